import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { uploadModel, type UploadProgress } from '../../src/core/hub/upload-model'
import { downloadSnapshot } from '../../src/core/hub/download-snapshot'
import { sha256Hex, startFakeHub, type FakeHub } from './fake-hub'
import { bigDisk, demoRepo, OTHER_TOKEN, safetensors, tempDir, testConfig, TOKEN } from './fixtures'

let hub: FakeHub
const weights = safetensors(30_000)

beforeAll(async () => {
  hub = await startFakeHub({ tokens: { [TOKEN]: 'alice', [OTHER_TOKEN]: 'bob' }, repos: [demoRepo('alice/existing')] })
})
afterAll(() => hub.close())
beforeEach(() => hub.reset())

async function modelFolder(withReadme: boolean): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const t = await tempDir('graft-upload-')
  await writeFile(join(t.dir, 'model.safetensors'), weights)
  await writeFile(join(t.dir, 'config.json'), '{"model_type":"llama"}')
  await mkdir(join(t.dir, '.git'))
  await writeFile(join(t.dir, '.git', 'HEAD'), 'ref: refs/heads/main')
  await writeFile(
    join(t.dir, 'graft_provenance.json'),
    JSON.stringify({ tool: 'graft', graft_version: '0.1.0', created: '2026-01-02T03:04:05Z', operation: 'merge', inputs: [{ role: 'base', path: '/home/me/.cache/huggingface/hub/models--meta-llama--Llama-3.2-1B/snapshots/abc' }, { role: 'adapter', path: '/home/me/secret-project/my-lora', weight: 0.5 }], decisions: [{ message: 'Cast LoRA factors to F32 for the merge.' }] }),
  )
  if (withReadme) await writeFile(join(t.dir, 'README.md'), '# My own card\n')
  return t
}

describe('uploadModel', () => {
  it('creates the repo, uploads regular + LFS files with progress, and writes a model card from the provenance', async () => {
    const { dir, cleanup } = await modelFolder(false)
    const events: UploadProgress[] = []
    try {
      const res = await uploadModel({ config: testConfig(hub.url, dir, { token: TOKEN, tokenSource: 'explicit' }), dir, repo: 'alice/merged', create: true, private: true, onProgress: (p) => events.push(p), progressIntervalMs: 5 })
      expect(res).toMatchObject({ repo: 'alice/merged', created: true, cardGenerated: true })
      expect(res.files.sort()).toEqual(['README.md', 'config.json', 'graft_provenance.json', 'model.safetensors'])
      expect(res.commitOid).toMatch(/^[0-9a-f]{40}$/)
      const repo = hub.repo('alice/merged')!
      expect(repo.private).toBe(true)
      expect(hub.commitsMade.at(-1)).toMatchObject({ repo: 'alice/merged', branch: 'main' })
      expect(repo.sha).toBe(res.commitOid)
      expect(hub.lfsObjects.get(sha256Hex(weights))).toEqual(weights)
      const card = repo.files.find((f) => f.path === 'README.md')!.content.toString('utf8')
      expect(card).toContain('base_model: meta-llama/Llama-3.2-1B')
      expect(card).toContain('operation: merge')
      expect(card).toContain('Cast LoRA factors to F32')
      expect(card).toContain('`my-lora` (weight 0.5)')
      expect(card).not.toContain('/home/me')
      expect(repo.files.some((f) => f.path.startsWith('.git/'))).toBe(false)
      // The endpoints the library used, in order.
      const paths = hub.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{64}/, '<oid>')}`)
      expect(paths).toEqual([
        'GET /api/models/alice/merged',
        'POST /api/repos/create',
        'POST /api/models/alice/merged/preupload/main',
        'POST /alice/merged.git/info/lfs/objects/batch',
        'PUT /__lfs/<oid>',
        'POST /api/models/alice/merged/commit/main',
      ])
      // Progress: phases in order, and every byte counted at the end.
      const stages = [...new Set(events.map((e) => e.stage))]
      expect(stages[0]).toBe('creating')
      expect(stages).toContain('committing')
      expect(stages.at(-1)).toBe('done')
      const last = events.at(-1)!
      expect(last.bytesDone).toBe(last.bytesTotal)
      expect(last.tensorsDone).toBe(4)
      expect(events.some((e) => e.files.some((f) => f.path === 'model.safetensors' && (f.state === 'hashing' || f.state === 'uploading')))).toBe(true)

      // Round trip: what was uploaded downloads into the cache with matching hashes.
      const { dir: cache, cleanup: c2 } = await tempDir()
      const dl = await downloadSnapshot({ config: testConfig(hub.url, cache, { token: TOKEN, tokenSource: 'explicit' }), repo: 'alice/merged', statfs: bigDisk })
      expect(dl.sha).toBe(res.commitOid)
      expect(dl.files.map((f) => f.path).sort()).toEqual(['README.md', 'config.json', 'graft_provenance.json', 'model.safetensors'])
      await c2()
    } finally {
      await cleanup()
    }
  })

  it('keeps an existing README.md; an existing repo is not re-created', async () => {
    const { dir, cleanup } = await modelFolder(true)
    try {
      const res = await uploadModel({ config: testConfig(hub.url, dir, { token: TOKEN, tokenSource: 'explicit' }), dir, repo: 'alice/existing', create: true })
      expect(res).toMatchObject({ created: false, cardGenerated: false })
      expect(hub.repo('alice/existing')!.files.find((f) => f.path === 'README.md')!.content.toString()).toBe('# My own card\n')
      expect(hub.count(/\/api\/repos\/create/)).toBe(0)
    } finally {
      await cleanup()
    }
  })

  it('fails clearly: no token, offline (zero requests), missing repo without create, someone else\'s namespace', async () => {
    const { dir, cleanup } = await modelFolder(true)
    try {
      await expect(uploadModel({ config: testConfig(hub.url, dir), dir, repo: 'alice/x' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
      await expect(uploadModel({ config: testConfig(hub.url, dir, { token: TOKEN, offline: true, offlineReason: 'the offline switch is on' }), dir, repo: 'alice/x', create: true })).rejects.toMatchObject({ code: 'OFFLINE' })
      expect(hub.count()).toBe(0)
      await expect(uploadModel({ config: testConfig(hub.url, dir, { token: TOKEN }), dir, repo: 'alice/does-not-exist' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(uploadModel({ config: testConfig(hub.url, dir, { token: OTHER_TOKEN }), dir, repo: 'alice/existing' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    } finally {
      await cleanup()
    }
  })

  it('an aborted upload is CANCELLED and commits nothing', async () => {
    const { dir, cleanup } = await modelFolder(true)
    const before = hub.commitsMade.length
    const ac = new AbortController()
    const stages: string[] = []
    try {
      const p = uploadModel({
        config: testConfig(hub.url, dir, { token: TOKEN }),
        dir,
        repo: 'alice/existing',
        signal: ac.signal,
        onProgress: (e) => {
          stages.push(e.stage)
          if (e.stage === 'preuploading') ac.abort()
        },
      })
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' })
      expect(stages).toContain('preuploading')
      expect(hub.commitsMade.length).toBe(before)
      expect(hub.count(/\/commit\//)).toBe(0)
    } finally {
      await cleanup()
    }
  })
})
