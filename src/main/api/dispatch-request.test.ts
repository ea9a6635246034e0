import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS, type JobRequest, type LibraryEntry } from '../../shared/api'
import { GraftError } from '../../core/errors'
import { makeTinyAdapter, makeTinyModel } from '../../core/library/make-test-folders'
import { createSettingsStore } from '../settings/settings-store'
import { createHandlers, type ApiContext, type ApiHandlers } from './create-handlers'
import { dispatchRequest } from './dispatch-request'
import { paramSchemas } from './schemas'

describe('API handlers and dispatch', () => {
  let root: string
  let handlers: ApiHandlers
  let started: JobRequest[]
  let ctx: ApiContext

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-api-'))
    await makeTinyModel(join(root, 'demo', 'base'), { vocab: 16 })
    await makeTinyAdapter(join(root, 'demo', 'adapter'), { vocab: 16, added: 3 })
    started = []
    ctx = {
      mode: 'web',
      demoDir: join(root, 'demo'),
      settings: await createSettingsStore({ dir: join(root, 'config') }),
      jobs: {
        start: (r) => {
          started.push(r)
          return 'job-1'
        },
        cancel: (id) => id === 'job-1',
        list: () => [],
      },
      pickFolder: async () => null,
      env: { HF_HUB_CACHE: join(root, 'hub') },
    }
    handlers = createHandlers(ctx)
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('has a schema and a handler for every allow-listed method, and nothing else', () => {
    expect(Object.keys(paramSchemas).sort()).toEqual([...API_METHODS].sort())
    expect(Object.keys(handlers).sort()).toEqual([...API_METHODS].sort())
  })

  it('refuses unknown methods and invalid params with BAD_REQUEST', async () => {
    const cases: [unknown, unknown][] = [
      ['fs.readFile', {}],
      [undefined, {}],
      ['app.info', { extra: 1 }],
      ['library.addFolder', {}],
      ['library.addFolder', { path: 'relative/path' }],
      ['library.addFolder', { path: 42 }],
      ['model.inspect', { path: '/a\0b' }],
      ['jobs.start', { kind: 'rm', params: { path: '/' } }],
      ['jobs.start', { kind: 'hash', params: {} }],
      ['merge.plan', { base: '/a', adapters: [], out: '/b' }],
      ['library.list', { folders: 'not-a-list' }],
      ['jobs.cancel', { id: '' }],
      ['app.info', 'string params'],
    ]
    for (const [method, params] of cases) {
      const r = await dispatchRequest(handlers, method, params)
      expect(r.ok, `${String(method)} ${JSON.stringify(params)}`).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe('BAD_REQUEST')
        expect(r.error.message).not.toMatch(/\n\s+at /)
      }
    }
    expect(started).toEqual([])
  })

  it('answers app.info with the absolute demo folder and mode', async () => {
    const r = await dispatchRequest(handlers, 'app.info', {})
    expect(r).toMatchObject({ ok: true, result: { mode: 'web', demoDir: join(root, 'demo'), version: expect.any(String) } })
    // Params may be left out entirely for methods that take none.
    expect((await dispatchRequest(handlers, 'jobs.list', undefined)).ok).toBe(true)
  })

  it('lists the demo first, then added folders; remembers folders across stores', async () => {
    const models = join(root, 'models')
    await makeTinyModel(join(models, 'm1'), { vocab: 8 })
    const add = await dispatchRequest(handlers, 'library.addFolder', { path: models + '/' })
    expect(add).toEqual({ ok: true, result: { folders: [models] } })
    const list = await dispatchRequest(handlers, 'library.list', {})
    if (!list.ok) throw new Error(list.error.message)
    expect((list.result as LibraryEntry[]).map((e) => [e.origin, e.name, e.vocabSize, e.embedRows])).toEqual([
      ['demo', 'demo/adapter', 19, 19],
      ['demo', 'demo/base', 16, 16],
      ['folder', 'models/m1', 8, 8],
    ])
    const saved = JSON.parse(await readFile(join(root, 'config', 'settings.json'), 'utf8'))
    expect(saved).toMatchObject({ libraryFolders: [models], recentFolders: [models] })
    const again = createHandlers({ ...ctx, settings: await createSettingsStore({ dir: join(root, 'config') }) })
    const list2 = await again['library.list']({})
    expect(list2.map((e) => e.origin)).toEqual(['demo', 'demo', 'folder'])
  })

  it('adds only existing folders and removes a folder by its path or by an entry inside it', async () => {
    expect(await dispatchRequest(handlers, 'library.addFolder', { path: join(root, 'nope') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    await writeFile(join(root, 'file.txt'), 'x')
    expect(await dispatchRequest(handlers, 'library.addFolder', { path: join(root, 'file.txt') })).toMatchObject({ ok: false, error: { code: 'NOT_A_MODEL' } })
    await mkdir(join(root, 'a', 'm'), { recursive: true })
    await mkdir(join(root, 'b'), { recursive: true })
    await handlers['library.addFolder']({ path: join(root, 'a') })
    await handlers['library.addFolder']({ path: join(root, 'b') })
    expect(await handlers['library.removeFolder']({ path: join(root, 'a', 'm') })).toEqual({ folders: [join(root, 'b')] })
    expect(await handlers['library.removeFolder']({ path: join(root, 'b') })).toEqual({ folders: [] })
    expect(await handlers['library.removeFolder']({ path: join(root, 'b') })).toEqual({ folders: [] })
  })

  it('inspects models, marks demo entries, and reports coded errors', async () => {
    const r = await dispatchRequest(handlers, 'model.inspect', { path: join(root, 'demo', 'base') })
    expect(r).toMatchObject({ ok: true, result: { entry: { origin: 'demo', name: 'demo/base', kind: 'model', vocabSize: 16 }, tensors: expect.any(Array) } })
    expect(await dispatchRequest(handlers, 'model.inspect', { path: join(root, 'missing') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })

  it('starts and cancels jobs through the job manager', async () => {
    expect(await dispatchRequest(handlers, 'jobs.start', { kind: 'hash', params: { path: '/tmp' } })).toEqual({ ok: true, result: { id: 'job-1' } })
    expect(started).toEqual([{ kind: 'hash', params: { path: '/tmp' } }])
    expect(await dispatchRequest(handlers, 'jobs.cancel', { id: 'job-1' })).toEqual({ ok: true, result: { cancelled: true } })
    expect(await dispatchRequest(handlers, 'jobs.cancel', { id: 'other' })).toEqual({ ok: true, result: { cancelled: false } })
  })

  it('plans a merge of the demo adapter', async () => {
    const r = await dispatchRequest(handlers, 'merge.plan', { base: join(root, 'demo', 'base'), adapters: [{ dir: join(root, 'demo', 'adapter') }], out: join(root, 'out') })
    expect(r.ok).toBe(true)
  })

  it('turns thrown errors into codes without stack traces, logging only unexpected ones', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    const broken: ApiHandlers = {
      ...handlers,
      'app.info': async () => {
        throw new GraftError('BAD_CONFIG', 'config.json is broken', { file: '/x/config.json', hint: 'Fix it.' })
      },
      'jobs.list': async () => {
        throw new TypeError('boom')
      },
    }
    expect(await dispatchRequest(broken, 'app.info', {})).toEqual({ ok: false, error: { code: 'BAD_CONFIG', message: 'config.json is broken', file: '/x/config.json', hint: 'Fix it.' } })
    expect(err).not.toHaveBeenCalled()
    const r = await dispatchRequest(broken, 'jobs.list', {})
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'Unexpected error: boom' } })
    expect(JSON.stringify(r)).not.toMatch(/at .*\.ts/)
    expect(err).toHaveBeenCalledOnce()
    err.mockRestore()
  })
})
