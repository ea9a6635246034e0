import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { hubCommand } from '../../src/cli/commands/hub'
import { startFakeHub, type FakeHub } from './fake-hub'
import { adapterRepo, DEMO_SHA, demoRepo, tempDir, TOKEN } from './fixtures'

let hub: FakeHub
let home: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' }, repos: [demoRepo(), adapterRepo()] })
})
afterAll(() => hub.close())
beforeEach(async () => {
  hub.reset()
  ;({ dir: home, cleanup } = await tempDir('graft-cli-'))
  return cleanup
})

async function graftHub(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = ''
  let err = ''
  const code = await hubCommand(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(home, 'hub'), HF_HOME: join(home, 'hfhome'), ...env },
  })
  return { code, out, err }
}

describe('graft hub', () => {
  it('usage errors exit 2', async () => {
    expect((await graftHub([])).code).toBe(2)
    expect((await graftHub(['frobnicate'])).code).toBe(2)
    expect((await graftHub(['info'])).code).toBe(2)
    expect((await graftHub(['search', '--sort', 'size'])).code).toBe(2)
    expect((await graftHub(['search', '--bogus'])).code).toBe(2)
    expect((await graftHub(['--help'])).code).toBe(0)
  })

  it('search prints a table; --json the page and cursor', async () => {
    const r = await graftHub(['search', 'tiny', '--sort', 'downloads'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^graft-test\/tiny-llama\s+1\.2K ↓/m)
    const j = await graftHub(['search', '--library', 'peft', '--json'])
    expect(JSON.parse(j.out).models.map((m: { id: string }) => m.id)).toEqual(['graft-test/tiny-lora'])
  })

  it('info shows files, parameters and an adapter\'s base', async () => {
    const r = await graftHub(['info', 'graft-test/tiny-lora'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('base model: graft-test/tiny-llama (from adapter config)')
    const j = JSON.parse((await graftHub(['info', 'graft-test/tiny-llama', '--json'])).out)
    expect(j).toMatchObject({ sha: DEMO_SHA, parameters: { total: 50000 } })
  })

  it('download prints the snapshot path on stdout, progress on stderr; --json emits JSON lines', async () => {
    const r = await graftHub(['download', 'graft-test/tiny-llama', '--include', '*.json'])
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe(join(home, 'hub', 'models--graft-test--tiny-llama', 'snapshots', DEMO_SHA))
    expect(r.err).toMatch(/100%/)
    const j = await graftHub(['download', 'graft-test/tiny-llama', '--json'])
    const lines = j.out.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.some((l) => l.type === 'progress')).toBe(true)
    expect(lines.at(-1)).toMatchObject({ type: 'done', sha: DEMO_SHA })
  })

  it('offline (--offline or HF_HUB_OFFLINE=1): serves the cache with zero requests, fails with exit 1 otherwise', async () => {
    await graftHub(['download', 'graft-test/tiny-llama', '--include', 'config.json'])
    hub.reset()
    const r = await graftHub(['download', 'graft-test/tiny-llama', '--offline'])
    expect(r.code).toBe(0)
    expect(r.err).toContain('offline')
    const s = await graftHub(['search', 'tiny'], { HF_HUB_OFFLINE: '1' })
    expect(s.code).toBe(1)
    expect(s.err).toContain('OFFLINE')
    expect(hub.count()).toBe(0)
  })

  it('whoami reads the token file; upload --create publishes a folder', async () => {
    expect((await graftHub(['whoami'])).code).toBe(1)
    const tokenFile = join(home, 'tok')
    await writeFile(tokenFile, TOKEN)
    const me = await graftHub(['whoami'], { HF_TOKEN_PATH: tokenFile })
    expect(me.code).toBe(0)
    expect(me.out).toContain('alice')
    expect(me.out + me.err).not.toContain(TOKEN)
    const dir = join(home, 'hub', 'models--graft-test--tiny-llama', 'snapshots', DEMO_SHA)
    await graftHub(['download', 'graft-test/tiny-llama', '--include', '*.json'])
    const up = await graftHub(['upload', dir, 'alice/copy', '--create'], { HF_TOKEN: TOKEN })
    expect(up.code).toBe(0)
    expect(up.out).toContain('Created and uploaded to alice/copy')
    expect(hub.repo('alice/copy')!.files.map((f) => f.path)).toContain('config.json')
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toContain('llama')
  })
})
