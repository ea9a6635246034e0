import { readdir, readlink, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { downloadFile, fileExists, parseSafetensorsMetadata, pathsInfo, snapshotDownload } from '@huggingface/hub'
import { downloadSnapshot } from '../../src/core/hub/download-snapshot'
import { startFakeHub, type FakeHub } from './fake-hub'
import { bigDisk, DEMO_SHA, demoRepo, tempDir, testConfig } from './fixtures'

let hub: FakeHub
beforeAll(async () => {
  hub = await startFakeHub({ repos: [demoRepo()] })
})
afterAll(() => hub.close())

async function listing(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listing(dir, rel)))
    else out.push(e.isSymbolicLink() ? `${rel} -> ${await readlink(join(dir, rel))}` : `${rel} (${(await readFile(join(dir, rel))).length})`)
  }
  return out.sort()
}

describe('the fake Hub answers the real client', () => {
  const repo = 'graft-test/tiny-llama'
  it('pathsInfo, fileExists, ranged downloadFile, EntryNotFound -> null, safetensors metadata', async () => {
    const info = await pathsInfo({ repo, paths: ['config.json', 'model.safetensors'], hubUrl: hub.url })
    expect(info.map((i) => i.path)).toEqual(['config.json', 'model.safetensors'])
    expect(info[1].lfs?.oid).toMatch(/^[0-9a-f]{64}$/)
    expect(await fileExists({ repo, path: 'config.json', hubUrl: hub.url })).toBe(true)
    expect(await fileExists({ repo, path: 'nope.json', hubUrl: hub.url })).toBe(false)
    expect(await downloadFile({ repo, path: 'nope.json', hubUrl: hub.url })).toBeNull()
    const blob = await downloadFile({ repo, path: 'model.safetensors', hubUrl: hub.url, xet: false })
    expect(new Uint8Array(await blob!.slice(8, 10).arrayBuffer())).toEqual(new Uint8Array(demoRepo().files.find((f) => f.path === 'model.safetensors')!.content.subarray(8, 10)))
    const meta = await parseSafetensorsMetadata({ repo, hubUrl: hub.url, computeParametersCount: true })
    expect(meta.parameterCount).toEqual({ F32: 50_000 })
  })

  it('Graft\'s cache layout is identical to the library\'s snapshotDownload (which matches Python)', async () => {
    const a = await tempDir()
    const b = await tempDir()
    try {
      const quiet = vi.spyOn(console, 'debug').mockImplementation(() => undefined) // the library logs every file
      const lib = await snapshotDownload({ repo, cacheDir: a.dir, hubUrl: hub.url }).finally(() => quiet.mockRestore())
      expect(lib).toBe(join(a.dir, 'models--graft-test--tiny-llama', 'snapshots', DEMO_SHA))
      await downloadSnapshot({ config: testConfig(hub.url, b.dir), repo, include: ['*'], allowPickles: true, statfs: bigDisk })
      expect(await listing(b.dir)).toEqual(await listing(a.dir))
    } finally {
      await a.cleanup()
      await b.cleanup()
    }
  })
})
