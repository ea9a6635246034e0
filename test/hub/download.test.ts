import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { downloadSnapshot, type DownloadProgress } from '../../src/core/hub/download-snapshot'
import { resolveHubConfig } from '../../src/core/hub/hub-config'
import { gitOid, sha256Hex, startFakeHub, type FakeHub } from './fake-hub'
import { bigDisk, DEMO_SHA, demoRepo, safetensors, tempDir, testConfig, TOKEN } from './fixtures'

let hub: FakeHub
let cache: string
let cleanup: () => Promise<void>
const REPO = 'graft-test/tiny-llama'
const repoDir = () => join(cache, 'models--graft-test--tiny-llama')
const cfg = (over = {}) => testConfig(hub.url, cache, over)
const weights = safetensors(50_000)

/** Every file under a folder, relative, with `->` for symlinks. */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of (await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => [])).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await tree(dir, rel)))
    else out.push(e.isSymbolicLink() ? `${rel} -> ${await readlink(join(dir, rel))}` : rel)
  }
  return out
}

beforeAll(async () => {
  const big = Buffer.alloc(600_000)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff
  hub = await startFakeHub({
    tokens: { [TOKEN]: 'alice' },
    repos: [
      demoRepo(),
      { id: 'graft-test/big', files: [{ path: 'big.safetensors', content: big }, { path: 'config.json', content: Buffer.from('{"a":1}') }] },
      { id: 'graft-test/many', files: Array.from({ length: 8 }, (_, i) => ({ path: `shard-${i}.safetensors`, content: safetensors(2000 + i) })) },
      { id: 'evil/traversal', files: [{ path: 'config.json', content: Buffer.from('{}') }, { path: '../../../escape.json', content: Buffer.from('{"pwned":1}') }] },
      { id: 'evil/absolute', files: [{ path: '/tmp/graft-abs.json', content: Buffer.from('{}') }] },
      { id: 'evil/backslash', files: [{ path: 'a\\..\\..\\b.json', content: Buffer.from('{}') }] },
      { id: 'evil/corrupt', files: [{ path: 'model.safetensors', content: safetensors(100), served: Buffer.concat([safetensors(100).subarray(0, 300), Buffer.from([1, 2, 3, 4]), safetensors(100).subarray(304)]) }, { path: 'config.json', content: Buffer.from('{"x":1}'), served: Buffer.from('{"x":2}') }] },
      { id: 'graft-test/gated', gated: 'auto', files: [{ path: 'config.json', content: Buffer.from('{"gated":true}') }] },
      { id: 'graft-test/dupes', files: [{ path: 'a.json', content: Buffer.from('{"same":true}') }, { path: 'b/a.json', content: Buffer.from('{"same":true}') }] },
    ],
  })
})
afterAll(() => hub.close())
beforeEach(async () => {
  hub.reset()
  ;({ dir: cache, cleanup } = await tempDir('graft-cache-'))
})
afterEach(() => cleanup())

describe('downloadSnapshot', () => {
  it('lays the cache out exactly like huggingface_hub: refs/main = sha, blobs by oid/sha256, relative snapshot symlinks', async () => {
    const events: DownloadProgress[] = []
    const res = await downloadSnapshot({ config: cfg(), repo: REPO, statfs: bigDisk, onProgress: (p) => events.push(p), progressIntervalMs: 5 })
    expect(res.sha).toBe(DEMO_SHA)
    expect(res.snapshotDir).toBe(join(repoDir(), 'snapshots', DEMO_SHA))
    expect(await readFile(join(repoDir(), 'refs/main'), 'utf8')).toBe(DEMO_SHA)
    const files = demoRepo().files
    const byPath = (p: string) => files.find((f) => f.path === p)!.content
    const expected = ['README.md', 'config.json', 'generation_config.json', 'merges.txt', 'model.safetensors', 'sub/extra.json', 'tokenizer.json', 'tokenizer_config.json']
    expect(res.files.map((f) => f.path).sort()).toEqual(expected)
    expect(res.skipped).toEqual([]) // pytorch_model.bin is not even matched by the default patterns
    const blob = (p: string) => (p.endsWith('.safetensors') ? sha256Hex(byPath(p)) : gitOid(byPath(p)))
    expect((await tree(join(repoDir(), 'snapshots'))).sort()).toEqual(
      expected.map((p) => `${DEMO_SHA}/${p} -> ${p.includes('/') ? '../../../blobs/' : '../../blobs/'}${blob(p)}`).sort(),
    )
    expect((await tree(join(repoDir(), 'blobs'))).sort()).toEqual(expected.map(blob).sort())
    expect(await tree(join(repoDir(), 'refs'))).toEqual(['main'])
    for (const p of expected) expect(await readFile(join(res.snapshotDir, p))).toEqual(byPath(p))
    // Progress: starts resolving, ends done with every byte and file counted.
    expect(events[0]).toMatchObject({ stage: 'resolving', phase: 'planning' })
    const last = events.at(-1)!
    expect(last).toMatchObject({ stage: 'done', phase: 'done', tensorsDone: 8, tensorsTotal: 8, etaSec: 0 })
    expect(last.bytesDone).toBe(last.bytesTotal)
    expect(last.bytesTotal).toBe(expected.reduce((a, p) => a + byPath(p).length, 0))
    expect(events.some((e) => e.stage === 'downloading' && e.files.length === 8)).toBe(true)
    // Second call: everything cached, only the two metadata requests.
    hub.reset()
    const again = await downloadSnapshot({ config: cfg(), repo: REPO, statfs: bigDisk })
    expect(again.files.every((f) => f.state === 'cached')).toBe(true)
    expect(again.bytesDownloaded).toBe(0)
    expect(hub.count(/\/resolve\//)).toBe(0)
  })

  it('include patterns, pickles only when allowed, branch refs and a pinned sha', async () => {
    const r1 = await downloadSnapshot({ config: cfg(), repo: REPO, include: ['*.bin', 'config.json'], statfs: bigDisk })
    expect(r1.files.map((f) => f.path)).toEqual(['config.json'])
    expect(r1.skipped.map((s) => s.path)).toEqual(['pytorch_model.bin'])
    const r2 = await downloadSnapshot({ config: cfg(), repo: REPO, include: ['*.bin'], allowPickles: true, statfs: bigDisk })
    expect(r2.files.map((f) => f.path)).toEqual(['pytorch_model.bin'])
    await expect(downloadSnapshot({ config: cfg(), repo: REPO, include: ['*.bin'], statfs: bigDisk })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const st = hub.repo(REPO)!
    st.refs['v1.0'] = DEMO_SHA
    await downloadSnapshot({ config: cfg(), repo: REPO, revision: 'v1.0', include: ['config.json'], statfs: bigDisk })
    expect(await readFile(join(repoDir(), 'refs/v1.0'), 'utf8')).toBe(DEMO_SHA)
    await downloadSnapshot({ config: cfg(), repo: REPO, revision: DEMO_SHA, include: ['README.md'], statfs: bigDisk })
    expect((await readdir(join(repoDir(), 'refs'))).sort()).toEqual(['main', 'v1.0'])
  })

  it('files with identical content share one blob and are downloaded once', async () => {
    const res = await downloadSnapshot({ config: cfg(), repo: 'graft-test/dupes', statfs: bigDisk })
    expect(res.files.map((f) => f.blob)[0]).toBe(res.files.map((f) => f.blob)[1])
    expect(hub.count(/\/resolve\//)).toBe(1)
    expect(await readFile(join(res.snapshotDir, 'b/a.json'), 'utf8')).toBe('{"same":true}')
  })

  it('downloads several files at once, never more than the concurrency', async () => {
    await downloadSnapshot({ config: cfg(), repo: 'graft-test/many', concurrency: 3, statfs: bigDisk })
    expect(hub.maxConcurrentDownloads).toBeGreaterThanOrEqual(2)
    expect(hub.maxConcurrentDownloads).toBeLessThanOrEqual(3)
    hub.reset()
    const { dir, cleanup: c2 } = await tempDir()
    await downloadSnapshot({ config: testConfig(hub.url, dir), repo: 'graft-test/many', concurrency: 1, statfs: bigDisk })
    expect(hub.maxConcurrentDownloads).toBe(1)
    await c2()
    await expect(downloadSnapshot({ config: cfg(), repo: 'graft-test/many', concurrency: 9 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('resumes an interrupted download with a Range request; the final sha256 matches', async () => {
    hub.truncateOnce('model.safetensors', 70_000)
    const first = await downloadSnapshot({ config: cfg(), repo: REPO, include: ['model.safetensors'], retries: 0, statfs: bigDisk }).then(() => null, (e: unknown) => e)
    expect(first).toMatchObject({ code: 'HUB' })
    const blob = sha256Hex(weights)
    const partial = join(repoDir(), 'blobs', `${blob}.incomplete`)
    expect((await stat(partial)).size).toBe(70_000)
    await expect(stat(join(repoDir(), 'blobs', blob))).rejects.toThrow()
    await expect(lstat(join(repoDir(), 'snapshots', DEMO_SHA, 'model.safetensors'))).rejects.toThrow()
    await expect(stat(join(repoDir(), 'refs/main'))).rejects.toThrow()

    hub.reset()
    const res = await downloadSnapshot({ config: cfg(), repo: REPO, include: ['model.safetensors'], retries: 0, statfs: bigDisk })
    expect(res.files[0].state).toBe('resumed')
    expect(res.bytesDownloaded).toBe(weights.length - 70_000)
    const ranged = hub.requests.filter((r) => r.path.endsWith('/model.safetensors'))
    expect(ranged.map((r) => r.range)).toEqual(['bytes=70000-'])
    expect(sha256Hex(await readFile(join(res.snapshotDir, 'model.safetensors')))).toBe(blob)
    await expect(stat(partial)).rejects.toThrow()
  })

  it('with retries, a dropped connection resumes within the same call', async () => {
    hub.truncateOnce('model.safetensors', 10_000)
    const res = await downloadSnapshot({ config: cfg(), repo: REPO, include: ['model.safetensors'], statfs: bigDisk })
    expect(res.files[0].state).toBe('resumed')
    expect(hub.requests.filter((r) => r.path.endsWith('/model.safetensors')).map((r) => r.range)).toEqual([null, 'bytes=10000-'])
    expect(sha256Hex(await readFile(join(res.snapshotDir, 'model.safetensors')))).toBe(sha256Hex(weights))
  })

  it('restarts from byte 0 when the server ignores Range (200)', async () => {
    const blob = sha256Hex(weights)
    await mkdir(join(repoDir(), 'blobs'), { recursive: true })
    await writeFile(join(repoDir(), 'blobs', `${blob}.incomplete`), Buffer.from('garbage that is not the file'))
    hub.ignoreRange('model.safetensors')
    try {
      const res = await downloadSnapshot({ config: cfg(), repo: REPO, include: ['model.safetensors'], statfs: bigDisk })
      expect(res.files[0].state).toBe('downloaded')
      expect(sha256Hex(await readFile(join(res.snapshotDir, 'model.safetensors')))).toBe(blob)
    } finally {
      hub.ignoreRange('model.safetensors', false)
    }
  })

  it('cancel mid-download leaves only a .incomplete partial, no blob, link or ref', async () => {
    hub.throttle('big.safetensors', 16_384, 10)
    const ac = new AbortController()
    let seen: DownloadProgress | null = null
    const p = downloadSnapshot({
      config: cfg(),
      repo: 'graft-test/big',
      include: ['big.safetensors'],
      signal: ac.signal,
      statfs: bigDisk,
      progressIntervalMs: 5,
      onProgress: (e) => {
        if (e.bytesDone > 50_000 && !ac.signal.aborted) {
          seen = e
          ac.abort()
        }
      },
    })
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' })
    // Mid-download progress carries speed and ETA, for the job and for the file.
    expect(seen).toMatchObject({ stage: 'downloading', bytesTotal: 600_000, tensorsDone: 0, tensorsTotal: 1, current: 'big.safetensors' })
    expect(seen!.bytesPerSec).toBeGreaterThan(0)
    expect(seen!.etaSec).toBeGreaterThan(0)
    expect(seen!.files[0]).toMatchObject({ path: 'big.safetensors', state: 'downloading', bytesTotal: 600_000 })
    expect(seen!.files[0].bytesPerSec).toBeGreaterThan(0)
    const dir = join(cache, 'models--graft-test--big')
    const blobs = await readdir(join(dir, 'blobs'))
    expect(blobs).toHaveLength(1)
    expect(blobs[0]).toMatch(/^[0-9a-f]{64}\.incomplete$/)
    expect(await tree(join(dir, 'snapshots'))).toEqual([])
    await expect(stat(join(dir, 'refs'))).rejects.toThrow()
    const size = (await stat(join(dir, 'blobs', blobs[0]))).size
    expect(size).toBeGreaterThan(0)
    expect(size).toBeLessThan(600_000)
  })

  it('offline: zero requests; serves the cached snapshot by refs/main or by sha; OFFLINE when absent', async () => {
    await downloadSnapshot({ config: cfg(), repo: REPO, statfs: bigDisk })
    hub.reset()
    const offline = cfg({ offline: true, offlineReason: 'HF_HUB_OFFLINE is set' })
    const byRef = await downloadSnapshot({ config: offline, repo: REPO })
    expect(byRef).toMatchObject({ sha: DEMO_SHA, fromCache: true, snapshotDir: join(repoDir(), 'snapshots', DEMO_SHA) })
    expect(byRef.files.map((f) => f.path)).toContain('model.safetensors')
    expect(byRef.files.find((f) => f.path === 'model.safetensors')!.blob).toBe(sha256Hex(weights))
    const bySha = await downloadSnapshot({ config: offline, repo: REPO, revision: DEMO_SHA, include: ['config.json'] })
    expect(bySha.files.map((f) => f.path)).toEqual(['config.json'])
    await expect(downloadSnapshot({ config: offline, repo: 'graft-test/big' })).rejects.toMatchObject({ code: 'OFFLINE' })
    await expect(downloadSnapshot({ config: offline, repo: REPO, include: ['*.gguf'] })).rejects.toMatchObject({ code: 'OFFLINE' })
    await expect(downloadSnapshot({ config: offline, repo: REPO, revision: 'dev' })).rejects.toMatchObject({ code: 'OFFLINE' })
    // The same through the environment variable.
    const fromEnv = await resolveHubConfig({ env: { HF_HUB_OFFLINE: '1', HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache }, home: cache })
    expect((await downloadSnapshot({ config: fromEnv, repo: REPO })).fromCache).toBe(true)
    expect(hub.count()).toBe(0)
  })

  it('refuses path traversal, absolute and backslash names before writing anything', async () => {
    for (const repo of ['evil/traversal', 'evil/absolute', 'evil/backslash']) {
      await expect(downloadSnapshot({ config: cfg(), repo, include: ['*'], statfs: bigDisk })).rejects.toMatchObject({ code: 'HUB', message: expect.stringContaining('Refused') })
    }
    expect(hub.count(/\/resolve\//)).toBe(0)
    expect(await readdir(cache)).toEqual([])
  })

  it('detects sha256 (LFS) and git-oid (regular) mismatches and deletes the download', async () => {
    for (const file of ['model.safetensors', 'config.json']) {
      const err = await downloadSnapshot({ config: cfg(), repo: 'evil/corrupt', include: [file], statfs: bigDisk }).then(() => null, (e: unknown) => e)
      expect(err).toMatchObject({ code: 'HUB', message: expect.stringContaining('failed verification') })
    }
    const dir = join(cache, 'models--evil--corrupt')
    expect(await readdir(join(dir, 'blobs'))).toEqual([])
    expect(await tree(join(dir, 'snapshots'))).toEqual([])
  })

  it('a gated repo without a token is PERMISSION_DENIED with a hint, and leaves nothing behind', async () => {
    const err = await downloadSnapshot({ config: cfg(), repo: 'graft-test/gated', statfs: bigDisk }).then(() => null, (e: unknown) => e)
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', hint: expect.stringContaining('gated') })
    expect(await readdir(join(cache, 'models--graft-test--gated', 'blobs'))).toEqual([])
    hub.reset()
    const ok = await downloadSnapshot({ config: cfg({ token: TOKEN, tokenSource: 'env' }), repo: 'graft-test/gated', statfs: bigDisk })
    expect(ok.files.map((f) => f.path)).toEqual(['config.json'])
    expect(hub.requests.length).toBeGreaterThan(0)
    expect(hub.requests.every((r) => r.user === 'alice')).toBe(true)
  })

  it('checks disk space before the first byte, with the numbers in the message', async () => {
    const err = await downloadSnapshot({ config: cfg(), repo: REPO, statfs: async () => ({ bavail: 10n, bsize: 4096n }) }).then(() => null, (e: unknown) => e)
    expect(err).toMatchObject({ code: 'DISK_FULL' })
    expect((err as Error).message).toMatch(/needs .*\(\d+ bytes\).* has .*\(40960 bytes\) free/)
    expect(hub.count(/\/resolve\//)).toBe(0)
  })
})
