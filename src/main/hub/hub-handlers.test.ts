import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HubModelDetails, HubResolveBaseResult, HubStatus, JobRequest } from '../../shared/api'
import { startFakeHub, type FakeHub } from '../../../test/hub/fake-hub'
import { adapterRepo, demoRepo, tempDir, TOKEN } from '../../../test/hub/fixtures'
import { createMemoryTokenStore } from '../../core/hub/token-store'
import { createHandlers, type ApiHandlers } from '../api/create-handlers'
import { dispatchRequest } from '../api/dispatch-request'
import { createSettingsStore } from '../settings/settings-store'
import { createHubService } from './hub-service'

describe('hub.* API methods', () => {
  let hub: FakeHub
  let dir: string
  let cleanup: () => Promise<void>
  let handlers: ApiHandlers
  let started: JobRequest[]
  let cacheDir: string

  beforeAll(async () => {
    hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' }, searchPageSize: 2, repos: [demoRepo(), adapterRepo(), demoRepo('graft-test/tiny-llama-2'), demoRepo('other/tiny-gpt')] })
  })
  afterAll(async () => {
    await hub.close()
  })
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('graft-hub-api-'))
    cacheDir = join(dir, 'cache')
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, HF_HOME: join(dir, 'hf-home') }
    const settings = await createSettingsStore({ dir: join(dir, 'config') })
    started = []
    handlers = createHandlers({
      mode: 'web',
      demoDir: join(dir, 'demo'),
      settings,
      jobs: {
        start: (r) => {
          started.push(r)
          return 'job-1'
        },
        cancel: () => false,
        list: () => [],
        plan: async () => {
          throw new Error('not used')
        },
        startPlan: async () => {
          throw new Error('not used')
        },
      },
      pickFolder: async () => null,
      env,
      hub: createHubService({ settings, env, tokenStore: createMemoryTokenStore(), tokenStorage: 'session', choicesFile: join(dir, 'config', 'base-models.json') }),
    })
    hub.reset()
  })
  afterEach(async () => {
    await cleanup()
  })

  const ok = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await dispatchRequest(handlers, method, params)
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`)
    return r.result as T
  }

  it('refuses bad params with BAD_REQUEST before any request', async () => {
    const cases: [string, unknown][] = [
      ['hub.status', { extra: 1 }],
      ['hub.search', { limit: 0 }],
      ['hub.search', { limit: 101 }],
      ['hub.search', { sort: 'random' }],
      ['hub.search', { author: '../etc' }],
      ['hub.search', { tags: ['a b'] }],
      ['hub.search', { library: 'x/y' }],
      ['hub.search', { text: 'a\nb' }],
      ['hub.search', { cursor: 'javascript:alert(1)' }],
      ['hub.search', { cursor: 'https://evil.example/api/models?x' }],
      ['hub.info', {}],
      ['hub.info', { repo: '../../etc/passwd' }],
      ['hub.info', { repo: 'a/b/c' }],
      ['hub.info', { repo: 'org--x/name' }],
      ['hub.info', { repo: 'org/name.git' }],
      ['hub.info', { repo: 'org/name', revision: '../main' }],
      ['hub.info', { repo: 'org/name', revision: 'a b' }],
      ['hub.info', { repo: 'org/name', revision: 'refs//x' }],
      ['hub.setToken', {}],
      ['hub.setToken', { token: 'not-a-token' }],
      ['hub.setToken', { token: 42 }],
      ['hub.clearToken', { token: TOKEN }],
      ['hub.setOffline', { offline: 'yes' }],
      ['hub.resolveBase', { adapterDir: 'relative/dir' }],
      ['hub.rememberBase', { name: 'x', choice: { kind: 'folder', path: 'rel' , reason: '' } }],
      ['hub.rememberBase', { name: 'x', choice: { kind: 'download', repo: '../x', guessed: false, reason: '' } }],
      ['hub.rememberBase', { name: 'x', choice: { kind: 'shell', cmd: 'rm' } }],
      ['jobs.start', { kind: 'hub-download', params: { repo: 'a/../b' } }],
      ['jobs.start', { kind: 'hub-download', params: { repo: 'a/b', include: [] } }],
      ['jobs.start', { kind: 'hub-download', params: { repo: 'a/b', include: ['x\0y'] } }],
      ['jobs.start', { kind: 'hub-download', params: { repo: 'a/b', revision: '..' } }],
      ['jobs.start', { kind: 'hub-download', params: { repo: 'a/b', token: TOKEN } }],
      ['jobs.start', { kind: 'hub-upload', params: { dir: '/tmp/x', repo: 'no-owner' } }],
      ['jobs.start', { kind: 'hub-upload', params: { dir: 'relative', repo: 'a/b' } }],
    ]
    for (const [method, params] of cases) {
      const r = await dispatchRequest(handlers, method, params)
      expect(r.ok, `${method} ${JSON.stringify(params)}`).toBe(false)
      if (!r.ok) expect(r.error.code, `${method} ${JSON.stringify(params)}`).toBe('BAD_REQUEST')
    }
    expect(started).toEqual([])
    expect(hub.count()).toBe(0)
  })

  it('never echoes a rejected token in the validation message', async () => {
    const secret = 'hf_' + 'x'.repeat(400)
    const r = await dispatchRequest(handlers, 'hub.setToken', { token: secret })
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(JSON.stringify(r)).not.toContain('xxxxxxxx')
    const r2 = await dispatchRequest(handlers, 'hub.setToken', { token: 'hf_bad token with spaces' })
    expect(JSON.stringify(r2)).not.toContain('bad token')
  })

  it('searches with filters and paginates with the cursor', async () => {
    const p1 = await ok<{ models: { id: string }[]; nextCursor: string | null }>('hub.search', { text: 'tiny', sort: 'downloads', limit: 2 })
    expect(p1.models.map((m) => m.id)).toHaveLength(2)
    expect(p1.nextCursor).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/models\?/)
    const p2 = await ok<{ models: { id: string }[]; nextCursor: string | null }>('hub.search', { text: 'tiny', sort: 'downloads', limit: 2, cursor: p1.nextCursor })
    expect(p2.models.length).toBeGreaterThan(0)
    expect(new Set([...p1.models, ...p2.models].map((m) => m.id)).size).toBe(p1.models.length + p2.models.length)
    const peft = await ok<{ models: { id: string; libraryName: string }[] }>('hub.search', { library: 'peft' })
    expect(peft.models.map((m) => m.id)).toEqual(['graft-test/tiny-lora'])
    const byAuthor = await ok<{ models: { id: string }[] }>('hub.search', { author: 'other', tags: ['llama'] })
    expect(byAuthor.models.map((m) => m.id)).toEqual(['other/tiny-gpt'])
  })

  it('answers hub.info with files, pickles, parameters and an adapter\'s base model', async () => {
    const d = await ok<HubModelDetails>('hub.info', { repo: 'graft-test/tiny-llama' })
    expect(d).toMatchObject({ id: 'graft-test/tiny-llama', revision: 'main', parameters: { total: 50_000 }, hasPickles: true, isAdapter: false, license: 'apache-2.0' })
    expect(d.files.find((f) => f.path === 'pytorch_model.bin')).toMatchObject({ pickle: true, unsafe: null })
    expect(d.files.find((f) => f.path === 'model.safetensors')).toMatchObject({ lfs: true, pickle: false })
    expect(JSON.parse(JSON.stringify(d))).toEqual(d)
    const a = await ok<HubModelDetails>('hub.info', { repo: 'graft-test/tiny-lora' })
    expect(a).toMatchObject({ isAdapter: true, baseModel: 'graft-test/tiny-llama', baseModelSource: 'adapter_config' })
    const missing = await dispatchRequest(handlers, 'hub.info', { repo: 'graft-test/nope' })
    // Like the real Hub, an unknown repo reads as 401 for an anonymous caller: it might be private.
    expect(missing).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED', message: expect.stringContaining('graft-test/nope'), hint: expect.stringContaining('sign in') } })
  })

  it('is offline after hub.setOffline: search and info fail with OFFLINE and make zero requests', async () => {
    const s = await ok<HubStatus>('hub.setOffline', { offline: true })
    expect(s.offline).toBe(true)
    const r = await dispatchRequest(handlers, 'hub.search', { text: 'tiny' })
    expect(r).toMatchObject({ ok: false, error: { code: 'OFFLINE', hint: expect.stringContaining('offline') } })
    expect(await dispatchRequest(handlers, 'hub.info', { repo: 'graft-test/tiny-llama' })).toMatchObject({ ok: false, error: { code: 'OFFLINE' } })
    expect(hub.count()).toBe(0)
    expect((await ok<HubStatus>('hub.setOffline', { offline: false })).offline).toBe(false)
  })

  it('signs in and out; no reply or log line ever holds the token', async () => {
    const logs: string[] = []
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((k) => vi.spyOn(console, k).mockImplementation((...a: unknown[]) => void logs.push(a.map(String).join(' '))))
    try {
      const replies = [
        await dispatchRequest(handlers, 'hub.setToken', { token: TOKEN }),
        await dispatchRequest(handlers, 'hub.status', {}),
        await dispatchRequest(handlers, 'hub.search', { text: 'tiny' }),
        await dispatchRequest(handlers, 'hub.setToken', { token: 'hf_wrongToken0123456789' }),
        await dispatchRequest(handlers, 'hub.clearToken', {}),
      ]
      expect(replies[0]).toMatchObject({ ok: true, result: { signedIn: 'alice', tokenSource: 'app', tokenStorage: 'session' } })
      expect(replies[3]).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } })
      expect(replies[4]).toMatchObject({ ok: true, result: { signedIn: null, hasToken: false } })
      const text = JSON.stringify(replies) + logs.join('\n')
      expect(text).not.toContain(TOKEN)
      expect(text).not.toContain('hf_wrongToken0123456789')
    } finally {
      for (const s of spies) s.mockRestore()
    }
  })

  it('starts hub-download and hub-upload jobs with validated params', async () => {
    await ok('jobs.start', { kind: 'hub-download', params: { repo: 'graft-test/tiny-llama', revision: 'main', include: ['*.json', 'model.safetensors'], allowPickles: false } })
    await ok('jobs.start', { kind: 'hub-upload', params: { dir: join(dir, 'model'), repo: 'alice/merged', create: true, private: true } })
    expect(started).toEqual([
      { kind: 'hub-download', params: { repo: 'graft-test/tiny-llama', revision: 'main', include: ['*.json', 'model.safetensors'], allowPickles: false } },
      { kind: 'hub-upload', params: { dir: join(dir, 'model'), repo: 'alice/merged', create: true, private: true } },
    ])
  })

  it('resolves an adapter\'s base model from the cache, a folder or a download, and remembers the choice', async () => {
    const adapter = join(dir, 'adapter')
    await mkdir(adapter, { recursive: true })
    await writeFile(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', base_model_name_or_path: 'graft-test/tiny-llama' }))
    let r = await ok<HubResolveBaseResult>('hub.resolveBase', { adapterDir: adapter })
    expect(r).toMatchObject({ adapterDir: adapter, name: 'graft-test/tiny-llama', repo: 'graft-test/tiny-llama', remembered: null })
    expect(r.candidates).toEqual([{ kind: 'download', repo: 'graft-test/tiny-llama', guessed: false, reason: expect.any(String) }])
    expect(hub.count()).toBe(0)

    // The user confirms the download: remembered, then found in the cache once it landed there.
    await ok('hub.rememberBase', { name: r.name, choice: r.candidates[0] })
    const snap = join(cacheDir, 'models--graft-test--tiny-llama', 'snapshots', 'a'.repeat(40))
    await mkdir(snap, { recursive: true })
    await mkdir(join(cacheDir, 'models--graft-test--tiny-llama', 'refs'), { recursive: true })
    await writeFile(join(cacheDir, 'models--graft-test--tiny-llama', 'refs', 'main'), 'a'.repeat(40))
    r = await ok<HubResolveBaseResult>('hub.resolveBase', { adapterDir: adapter })
    expect(r.remembered).toMatchObject({ kind: 'cache', repo: 'graft-test/tiny-llama', path: snap })
    expect(r.candidates[0]).toEqual(r.remembered)
    expect(r.candidates.filter((c) => c.kind === 'download')).toEqual([])
    const saved = JSON.parse(await readFile(join(dir, 'config', 'base-models.json'), 'utf8'))
    expect(saved.choices['graft-test/tiny-llama']).toMatchObject({ kind: 'cache', path: snap })

    // A folder of the user's: must exist.
    expect(await dispatchRequest(handlers, 'hub.rememberBase', { name: r.name, choice: { kind: 'folder', path: join(dir, 'nope'), reason: 'chosen' } })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    const mine = join(dir, 'my-base')
    await mkdir(mine)
    await ok('hub.rememberBase', { name: r.name, choice: { kind: 'folder', path: mine, reason: 'chosen by you' } })
    r = await ok<HubResolveBaseResult>('hub.resolveBase', { adapterDir: adapter })
    expect(r.remembered).toEqual({ kind: 'folder', path: mine, reason: 'chosen by you' })
    expect(r.candidates[0]).toEqual(r.remembered)
    await ok('hub.rememberBase', { name: r.name, choice: null })
    r = await ok<HubResolveBaseResult>('hub.resolveBase', { adapterDir: adapter })
    expect(r.remembered).toBeNull()
    expect(r.candidates[0]).toMatchObject({ kind: 'cache', path: snap })

    // Not an adapter, or an adapter that names no base.
    expect(await dispatchRequest(handlers, 'hub.resolveBase', { adapterDir: mine })).toMatchObject({ ok: false, error: { code: 'NOT_A_MODEL' } })
    await writeFile(join(mine, 'adapter_config.json'), '{"peft_type": "LORA"}')
    expect(await dispatchRequest(handlers, 'hub.resolveBase', { adapterDir: mine })).toMatchObject({ ok: false, error: { code: 'BAD_CONFIG' } })
    expect(hub.count()).toBe(0)
  })
})
