import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS, type ApiMethods, type LibraryEntry, type PlannedJobRequest } from '../../shared/api'
import type { Plan } from '../../shared/plan'
import { GraftError } from '../../core/errors'
import { makeTinyAdapter, makeTinyModel } from '../../core/library/make-test-folders'
import { createSettingsStore } from '../settings/settings-store'
import { createHandlers, type ApiContext, type ApiHandlers } from './create-handlers'
import { dispatchRequest } from './dispatch-request'
import { paramSchemas } from './schemas'

describe('API handlers and dispatch', () => {
  let root: string
  let handlers: ApiHandlers
  let started: ApiMethods['jobs.start']['params'][]
  let planned: PlannedJobRequest[]
  let opened: string[]
  let ctx: ApiContext

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-api-'))
    await makeTinyModel(join(root, 'demo', 'base'), { vocab: 16 })
    await makeTinyAdapter(join(root, 'demo', 'adapter'), { vocab: 16, added: 3 })
    started = []
    planned = []
    opened = []
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
        plan: async (r) => {
          planned.push(r)
          return { planId: 'plan-1', plan: { version: 1, operation: 'merge', title: 'planned' } as Plan }
        },
        startPlan: async (p) => {
          started.push(p)
          return { id: 'job-2', outDir: `/outs/${p.planId}/out` }
        },
      },
      pickFolder: async () => null,
      openFolder: async (path) => {
        opened.push(path)
      },
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
    expect(r).toMatchObject({ ok: true, result: { mode: 'web', demoDir: join(root, 'demo'), version: expect.any(String), canOpenFolders: true } })
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

  it('refuses bad params of the inspect, vocabulary and planning methods with BAD_REQUEST', async () => {
    const tok = { content: 'x', special: false }
    const cases: [string, unknown][] = [
      ['library.folders', { extra: 1 }],
      ['vocab.table', {}],
      ['vocab.table', { path: 'relative' }],
      ['adapter.deltaNorms', { path: 5 }],
      ['tokens.preview', { path: '/m', tokens: [], text: 'x' }],
      ['tokens.preview', { path: '/m', tokens: [{ content: '', special: false }], text: '' }],
      ['tokens.preview', { path: '/m', tokens: [{ content: 'x'.repeat(257), special: false }], text: '' }],
      ['tokens.preview', { path: '/m', tokens: [{ content: 'x', special: 'yes' }], text: '' }],
      ['tokens.preview', { path: '/m', tokens: [{ ...tok, bogus: true }], text: '' }],
      ['tokens.preview', { path: '/m', tokens: Array.from({ length: 10_001 }, () => tok), text: '' }],
      ['tokens.preview', { path: '/m', tokens: [tok], text: 'x'.repeat(20_001) }],
      ['tokens.preview', { path: '/m', tokens: [tok] }],
      ['jobs.plan', { kind: 'merge', params: { base: '/a', adapters: [{ dir: '/b' }], out: '/c' } }],
      ['jobs.plan', { request: { kind: 'hash', params: { path: '/a' } } }],
      ['jobs.plan', { request: { kind: 'scan', params: { path: '/a' } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: 'rel', init: 'mean' } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: 'median' } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: 'mean', newSize: 0 } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: 'mean', newSize: 1.5 } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: 'mean', newSize: 10_000_001 } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: 'mean', padToMultipleOf: -64 } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: { kind: 'copy-row', row: -1 } } } }],
      ['jobs.plan', { request: { kind: 'resize', params: { base: '/a', out: '/b', init: 'mean', seed: 0.5 } } }],
      ['jobs.plan', { request: { kind: 'tokens-add', params: { base: '/a', out: '/b', init: 'mean', tokens: [] } } }],
      ['jobs.plan', { request: { kind: 'tokens-add', params: { base: '/a', out: '/b', init: 'copy-row', tokens: [tok] } } }],
      ['jobs.plan', { request: { kind: 'tokens-add', params: { base: 'a', out: '/b', init: 'mean', tokens: [tok] } } }],
      ['jobs.plan', { request: { kind: 'untrained-fix', params: { base: '/a', out: '/b', strategy: 'zeros' } } }],
      ['jobs.plan', { request: { kind: 'untrained-fix', params: { base: '/a' } } }],
      // overwrite is an execution option now: it goes with jobs.start, never into the plan's request.
      ['jobs.plan', { request: { kind: 'merge', params: { base: '/a', adapters: [{ dir: '/b' }], out: '/c', overwrite: true } } }],
      // Output-writing jobs start only from a reviewed plan.
      ['jobs.start', { kind: 'merge', params: { base: '/a', adapters: [{ dir: '/b' }], out: '/c' } }],
      ['jobs.start', { kind: 'untrained-fix', params: { base: '/a', out: '/b' } }],
      ['jobs.start', { planId: '' }],
      ['jobs.start', { planId: 'p', overwrite: 'yes' }],
      ['jobs.start', { planId: 'p', request: { kind: 'merge' } }],
      ['jobs.start', { kind: 'scan', params: { path: 'relative' } }],
      ['jobs.start', { kind: 'scan', params: { path: '/a', newFrom: -1 } }],
      ['jobs.start', { kind: 'scan', params: { path: '/a', extra: 1 } }],
    ]
    for (const [method, params] of cases) {
      const r = await dispatchRequest(handlers, method, params)
      expect(r.ok, `${method} ${JSON.stringify(params).slice(0, 200)}`).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST')
    }
    expect(started).toEqual([])
    expect(planned).toEqual([])
  })

  it('plans resize, tokens-add and untrained-fix, starts reviewed plans by id and scan jobs, and remembers output folders', async () => {
    const reqs: PlannedJobRequest[] = [
      { kind: 'resize', params: { base: '/m/base', out: '/outs/a/resized', newSize: 32_064, padToMultipleOf: 64, init: { kind: 'copy-row', row: 0 }, seed: 7, allowShrink: false } },
      { kind: 'tokens-add', params: { base: '/m/base', out: '/outs/b/plus', tokens: [{ content: '<tool>', special: true, normalized: false, lstrip: true, rstrip: false, single_word: false }], init: 'subtoken-mean', padToMultipleOf: 8 } },
      { kind: 'untrained-fix', params: { base: '/m/base', out: '/outs/c/fixed', strategy: 'mean' } },
    ]
    for (const r of reqs) expect(await dispatchRequest(handlers, 'jobs.plan', { request: r })).toMatchObject({ ok: true, result: { planId: 'plan-1' } })
    expect(planned).toEqual(reqs)
    const starts: ApiMethods['jobs.start']['params'][] = [{ planId: 'a' }, { planId: 'b', overwrite: true }, { planId: 'c', allowNonFinite: true }, { kind: 'scan', params: { path: '/m/base', newFrom: 32_000 } }]
    const ids = []
    for (const r of starts) ids.push(await dispatchRequest(handlers, 'jobs.start', r))
    expect(ids).toEqual([...['job-2', 'job-2', 'job-2', 'job-1'].map((id) => ({ ok: true, result: { id } }))])
    expect(started).toEqual(starts)
    expect(await dispatchRequest(handlers, 'library.folders', {})).toEqual({ ok: true, result: { folders: [], recent: ['/outs/c', '/outs/b', '/outs/a'] } })
    const models = join(root, 'models')
    await mkdir(models)
    await handlers['library.addFolder']({ path: models })
    expect(await handlers['library.folders']({})).toEqual({ folders: [models], recent: [models, '/outs/c', '/outs/b', '/outs/a'] })
  })

  it('plans jobs through the job manager, with normalised paths', async () => {
    const r = await dispatchRequest(handlers, 'jobs.plan', { request: { kind: 'untrained-fix', params: { base: '/m/base/', out: '/o/x' } } })
    expect(r).toEqual({ ok: true, result: { planId: 'plan-1', plan: { version: 1, operation: 'merge', title: 'planned' } } })
    expect(planned).toEqual([{ kind: 'untrained-fix', params: { base: '/m/base', out: '/o/x' } }])
  })

  it('answers the vocabulary truth table, LoRA delta norms and a tokens preview', async () => {
    const table = await dispatchRequest(handlers, 'vocab.table', { path: join(root, 'demo', 'base') })
    expect(table).toMatchObject({ ok: true, result: { tokenizerSize: 16, embedRows: 16, headRows: 16, configVocabSize: 16, tied: false, checks: [{ code: 'CONSISTENT', severity: 'ok' }] } })
    const norms = await dispatchRequest(handlers, 'adapter.deltaNorms', { path: join(root, 'demo', 'adapter') })
    expect(norms).toEqual({ ok: true, result: [{ module: 'model.layers.0.self_attn.q_proj', layer: 0, kind: 'linear', rank: 2, scaling: 2, norm: 0 }] })
    const preview = await dispatchRequest(handlers, 'tokens.preview', { path: join(root, 'demo', 'base'), tokens: [{ content: '<tool>', special: true }, { content: 't3', special: false }], text: '<tool>' })
    expect(preview).toMatchObject({ ok: true, result: { oldSize: 16, newSize: 17, added: [{ content: '<tool>', id: 16, special: true }], skipped: [{ content: 't3' }], after: { ids: [16], tokens: ['<tool>'] } } })
    expect(await dispatchRequest(handlers, 'vocab.table', { path: join(root, 'missing') })).toMatchObject({ ok: false, error: { code: 'NOT_A_MODEL' } })
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

  it('refuses app.openFolder params that are not one absolute path, with BAD_REQUEST', async () => {
    for (const params of [{}, { path: 'relative/dir' }, { path: 5 }, { path: '' }, { path: '/a\0b' }, { path: '/tmp', extra: 1 }, { paths: ['/tmp'] }]) {
      const r = await dispatchRequest(handlers, 'app.openFolder', params)
      expect(r, JSON.stringify(params)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    }
    expect(opened).toEqual([])
  })

  it('opens only existing plain folders: never a file, a missing path or a bundle', async () => {
    await writeFile(join(root, 'notes.txt'), 'x')
    const file = await dispatchRequest(handlers, 'app.openFolder', { path: join(root, 'notes.txt') })
    expect(file).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('is a file, not a folder'), file: join(root, 'notes.txt') } })
    const missing = await dispatchRequest(handlers, 'app.openFolder', { path: join(root, 'gone') })
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(join(root, 'gone')) } })
    expect(await dispatchRequest(handlers, 'app.openFolder', { path: join(root, 'notes.txt', 'sub') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    await mkdir(join(root, 'Tool.app', 'Contents'), { recursive: true })
    await writeFile(join(root, 'Tool.app', 'Contents', 'Info.plist'), '<plist/>')
    expect(await dispatchRequest(handlers, 'app.openFolder', { path: join(root, 'Tool.app') })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('application bundle') } })
    expect(opened).toEqual([])
  })

  it('hands a good folder to the injected opener, as a normalised absolute path', async () => {
    const base = join(root, 'demo', 'base')
    expect(await dispatchRequest(handlers, 'app.openFolder', { path: `${root}/demo/./adapter/../base/` })).toEqual({ ok: true, result: { path: base } })
    expect(opened).toEqual([base])
  })

  it('reports an opener that fails, and a host without one (app.info says so too)', async () => {
    const failing = createHandlers({
      ...ctx,
      openFolder: async (path) => {
        throw new GraftError('UNAVAILABLE', `xdg-open could not open ${path} (exit code 3).`, { file: path })
      },
    })
    expect(await dispatchRequest(failing, 'app.openFolder', { path: root })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('exit code 3') } })
    const none = createHandlers({ ...ctx, openFolder: undefined, openFolderNote: 'xdg-open is not installed.' })
    expect(await dispatchRequest(none, 'app.info', {})).toMatchObject({ ok: true, result: { canOpenFolders: false, openFoldersNote: 'xdg-open is not installed.' } })
    expect(await dispatchRequest(none, 'app.openFolder', { path: root })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('xdg-open is not installed.'), hint: expect.any(String) } })
    // Still no file is ever passed on, even where there is no opener.
    expect(await dispatchRequest(none, 'app.openFolder', { path: join(root, 'gone') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(opened).toEqual([])
  })

  it('paths.checkOutput: reports an output inside an input, a folder that is not Graft\'s, a system folder; a free folder is ok', async () => {
    const base = join(root, 'demo', 'base')
    for (const params of [{}, { out: 'rel', inputs: [] }, { out: '/x', inputs: ['rel'] }, { out: '/x' }, { out: '/x', inputs: [], extra: 1 }]) {
      expect(await dispatchRequest(handlers, 'paths.checkOutput', params), JSON.stringify(params)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    }
    const inside = await dispatchRequest(handlers, 'paths.checkOutput', { out: join(base, 'merged'), inputs: [base] })
    expect(inside).toMatchObject({ ok: true, result: { ok: false, exists: false, problems: expect.arrayContaining([expect.objectContaining({ code: 'OUTPUT_OVERLAPS_INPUT', file: join(base, 'merged') })]) } })
    await mkdir(join(root, 'mine'))
    await writeFile(join(root, 'mine', 'thesis.txt'), 'x')
    expect(await dispatchRequest(handlers, 'paths.checkOutput', { out: join(root, 'mine'), inputs: [base] })).toMatchObject({ ok: true, result: { ok: false, exists: true, graftOutput: null, problems: [{ code: 'OUTPUT_NOT_GRAFT' }] } })
    expect(await dispatchRequest(handlers, 'paths.checkOutput', { out: '/etc/graft-out', inputs: [base] })).toMatchObject({ ok: true, result: { ok: false, problems: [{ code: 'OUTPUT_FORBIDDEN' }] } })
    // The demo folder (the app's resources) is never an output.
    expect(await dispatchRequest(handlers, 'paths.checkOutput', { out: join(root, 'demo', 'base-merged'), inputs: [base] })).toMatchObject({ ok: true, result: { ok: false, problems: [{ code: 'OUTPUT_FORBIDDEN' }] } })
    // Suggested outputs go to the user's outputs folder, which app.info names (GRAFT_OUTPUTS_DIR for tests).
    expect(await dispatchRequest(handlers, 'app.info', {})).toMatchObject({ ok: true, result: { outputsDir: join(homedir(), 'Graft', 'outputs') } })
    expect(await dispatchRequest(createHandlers({ ...ctx, env: { GRAFT_OUTPUTS_DIR: join(root, 'outputs') } }), 'app.info', {})).toMatchObject({ ok: true, result: { outputsDir: join(root, 'outputs') } })
    expect(await dispatchRequest(handlers, 'paths.checkOutput', { out: join(root, 'outputs', 'base-merged'), inputs: [base] })).toEqual({ ok: true, result: { ok: true, out: join(root, 'outputs', 'base-merged'), exists: false, graftOutput: null, problems: [] } })
  })
})
