import { lstat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startFakeHub, type FakeHub } from './fake-hub'
import { bigDisk, DEMO_SHA, demoRepo, tempDir, testConfig } from './fixtures'

// A filesystem without symlinks (Windows without developer mode, some network shares).
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  return { ...real, symlink: async () => { throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' }) } }
})

const { downloadSnapshot } = await import('../../src/core/hub/download-snapshot')

let hub: FakeHub
beforeAll(async () => {
  hub = await startFakeHub({ repos: [demoRepo()] })
})
afterAll(() => hub.close())

describe('downloadSnapshot without symlinks', () => {
  it('copies blobs into the snapshot instead, and treats them as cached next time', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const res = await downloadSnapshot({ config: testConfig(hub.url, dir), repo: 'graft-test/tiny-llama', include: ['config.json'], statfs: bigDisk })
      const file = join(dir, 'models--graft-test--tiny-llama', 'snapshots', DEMO_SHA, 'config.json')
      expect((await lstat(file)).isSymbolicLink()).toBe(false)
      expect(await readFile(file, 'utf8')).toContain('llama')
      expect(res.files[0].state).toBe('downloaded')
      const again = await downloadSnapshot({ config: testConfig(hub.url, dir), repo: 'graft-test/tiny-llama', include: ['config.json'], statfs: bigDisk })
      expect(again.files[0].state).toBe('cached')
    } finally {
      await cleanup()
    }
  })
})
