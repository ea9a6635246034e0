import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobInfo, JobRequest } from '../../shared/api'
import type { CompareProgress, MetricsResult } from '../../shared/compare'
import { CancelledError, GraftError } from '../../core/errors'
import { inProcessRunner } from '../../core/exec/in-process-runner'
import { createSettingsStore } from '../settings/settings-store'
import { createHandlers, type ApiContext, type ApiHandlers } from '../api/create-handlers'
import { dispatchRequest } from '../api/dispatch-request'
import { JobManager } from '../jobs/job-manager'
import type { CompareService } from './compare-service'
import { corpusJobProgress, tokenizerDisplayName } from './compare-jobs'

/** A compare service that records its calls; corpus() plays back progress. */
function fakeCompare(opts: { text?: (signal?: AbortSignal) => Promise<never>; corpus?: (onProgress: (p: CompareProgress) => void, signal?: AbortSignal) => Promise<MetricsResult> } = {}) {
  const calls: [string, unknown][] = []
  const service: CompareService = {
    async text(p, signal) {
      calls.push(['text', p])
      if (opts.text) return opts.text(signal)
      return { view: { characters: 0, length: 0, addSpecialTokens: false, entries: [] }, metrics: metricsResult() }
    },
    async corpus(p, o = {}) {
      calls.push(['corpus', p])
      if (!opts.corpus) return metricsResult()
      return opts.corpus((x) => o.onProgress?.(x), o.signal)
    },
    async vocabDiff(p) {
      calls.push(['vocabDiff', p])
      throw new GraftError('TOKENIZER', 'a has no tokenizer.json.', { file: p.a })
    },
    async vocabCsv(p) {
      calls.push(['vocabCsv', p])
      return { csv: 'id,token,normalized\r\n' }
    },
    async chat(p) {
      calls.push(['chat', p])
      return []
    },
    async tokensPreview(p) {
      calls.push(['tokensPreview', p])
      throw new GraftError('TOKENIZER', 'not used here')
    },
    async vocabTable(p) {
      calls.push(['vocabTable', p])
      throw new GraftError('TOKENIZER', 'not used here')
    },
    async planOperation(p) {
      calls.push(['planOperation', p])
      throw new GraftError('TOKENIZER', 'not used here')
    },
    async close() {},
  }
  return { service, calls }
}

function metricsResult(): MetricsResult {
  const group = { name: 'total', kind: 'total' as const, documents: 3, characters: 30, bytes: 30, words: 6, perTokenizer: [] }
  return {
    source: 'corpus',
    corpus: '/c',
    tokenizers: [],
    addSpecialTokens: false,
    wordDefinition: '',
    documentDefinition: '',
    total: group,
    files: [{ ...group, name: 'a.txt', kind: 'file' }],
    languages: [],
    skipped: 0,
    badRecords: 0,
    longLinesSplit: 0,
    problems: ['line 3: not JSON'],
    wallMs: 5,
  }
}

describe('compare API: schemas, handlers and the compare-corpus job', () => {
  let root: string
  let handlers: ApiHandlers
  let started: JobRequest[]
  let fake: ReturnType<typeof fakeCompare>
  let ctx: ApiContext

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-compare-api-'))
    started = []
    fake = fakeCompare()
    ctx = {
      mode: 'web',
      demoDir: join(root, 'demo'),
      settings: await createSettingsStore({ dir: join(root, 'config') }),
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
      env: { HF_HUB_CACHE: join(root, 'hub') },
      compare: fake.service,
    }
    handlers = createHandlers(ctx)
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('refuses bad params with BAD_REQUEST before the service is called', async () => {
    const big = 'x'.repeat(1_000_001)
    const cases: [string, unknown][] = [
      ['compare.text', { tokenizers: ['/a'], text: 'x' }],
      ['compare.text', { tokenizers: ['/a', '/b', '/c', '/d', '/e'], text: 'x' }],
      ['compare.text', { tokenizers: ['/a', 'relative/b'], text: 'x' }],
      ['compare.text', { tokenizers: ['/a', '/b'] }],
      ['compare.text', { tokenizers: ['/a', '/b'], text: big }],
      // 400k CJK characters are 1.2 MB of UTF-8
      ['compare.text', { tokenizers: ['/a', '/b'], text: '你'.repeat(400_000) }],
      ['compare.text', { tokenizers: ['/a', '/b'], text: 'x', addSpecialTokens: 'yes' }],
      ['compare.text', { tokenizers: ['/a', '/b'], text: 'x', extra: 1 }],
      ['compare.vocabDiff', { a: '/a' }],
      ['compare.vocabDiff', { a: '/a', b: '/b', normalization: 'nfc' }],
      ['compare.vocabDiff', { a: '/a', b: '/b', limit: 10_001 }],
      ['compare.vocabDiff', { a: '/a', b: '/b', offset: -1 }],
      ['compare.vocabDiff', { a: '/a', b: '/b', sort: 'size' }],
      ['compare.vocabDiff', { a: '/a', b: '/b', search: 'x'.repeat(201) }],
      ['compare.vocabCsv', { a: '/a', b: '/b', list: 'all' }],
      ['compare.vocabCsv', { a: '/a', b: '/b' }],
      ['compare.chat', { tokenizers: ['/a', '/b'], messages: [] }],
      ['compare.chat', { tokenizers: ['/a', '/b'], messages: Array.from({ length: 65 }, () => ({ role: 'user', content: 'hi' })) }],
      ['compare.chat', { tokenizers: ['/a', '/b'], messages: [{ role: '', content: 'hi' }] }],
      ['compare.chat', { tokenizers: ['/a', '/b'], messages: [{ role: 'user', content: 'x'.repeat(100_001) }] }],
      ['compare.chat', { tokenizers: ['/a', '/b'], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }],
      ['compare.chat', { tokenizers: ['/a', '/b'], messages: [{ role: 'user', content: 'hi', tool_calls: [] }] }],
      ['compare.chat', { tokenizers: ['/a'], messages: [{ role: 'user', content: 'hi' }] }],
      ['jobs.start', { kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'] } }],
      ['jobs.start', { kind: 'compare-corpus', params: { tokenizers: ['/a'], corpus: '/c' } }],
      ['jobs.start', { kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: 'c' } }],
      ['jobs.start', { kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: '/c', textField: '' } }],
      ['jobs.start', { kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: '/c', labels: ['only one'] } }],
    ]
    for (const [method, params] of cases) {
      const r = await dispatchRequest(handlers, method, params)
      expect(r.ok, `${method} ${JSON.stringify(params).slice(0, 120)}`).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST')
    }
    expect(fake.calls).toEqual([])
    expect(started).toEqual([])
  })

  it('passes valid params through (paths normalised) and returns coded errors', async () => {
    expect(await dispatchRequest(handlers, 'compare.text', { tokenizers: ['/t/a/', '~/b'], text: '你好 😀', addSpecialTokens: true })).toMatchObject({ ok: true })
    expect(fake.calls[0][1]).toMatchObject({ tokenizers: ['/t/a', expect.stringMatching(/^\/.*\/b$/)], text: '你好 😀', addSpecialTokens: true })
    // Exactly 1 MB of UTF-8 is accepted.
    expect((await dispatchRequest(handlers, 'compare.text', { tokenizers: ['/a', '/b'], text: 'x'.repeat(1_000_000) })).ok).toBe(true)
    expect(await dispatchRequest(handlers, 'compare.vocabDiff', { a: '/a', b: '/b', search: 'ing', sort: 'text', offset: 200, limit: 100 })).toEqual({
      ok: false,
      error: { code: 'TOKENIZER', message: 'a has no tokenizer.json.', file: '/a' },
    })
    expect(await dispatchRequest(handlers, 'compare.vocabCsv', { a: '/a', b: '/b', list: 'shared' })).toEqual({ ok: true, result: { csv: 'id,token,normalized\r\n' } })
    expect(await dispatchRequest(handlers, 'compare.chat', { tokenizers: ['/a', '/b', '/c'], messages: [{ role: 'system', content: '' }, { role: 'user', content: 'hi' }], addGenerationPrompt: false })).toEqual({ ok: true, result: [] })
    expect(await dispatchRequest(handlers, 'jobs.start', { kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: '/c', textField: 'content' } })).toEqual({ ok: true, result: { id: 'job-1' } })
    expect(started).toEqual([{ kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: '/c', textField: 'content' } }])
    expect(fake.calls.map((c) => c[0])).toEqual(['text', 'text', 'vocabDiff', 'vocabCsv', 'chat'])
  })

  it('compare.text: a newer request of the same session cancels the one still running; other sessions go on', async () => {
    const signals: (AbortSignal | undefined)[] = []
    const { service } = fakeCompare({
      text: (signal) => {
        signals.push(signal)
        return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new CancelledError())))
      },
    })
    const h = createHandlers({ ...ctx, compare: service })
    const params = (session: string) => ({ tokenizers: ['/a', '/b'], text: 'x', viewTokens: 500, session })
    const first = dispatchRequest(h, 'compare.text', params('tab-1'))
    const other = dispatchRequest(h, 'compare.text', params('tab-2'))
    await Promise.resolve()
    void dispatchRequest(h, 'compare.text', params('tab-1'))
    expect(await first).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
    expect(signals.map((s) => s?.aborted)).toEqual([true, false, false])
    void other
    expect((await dispatchRequest(handlers, 'compare.text', { tokenizers: ['/a', '/b'], text: 'x', viewTokens: 20_001 })).ok).toBe(false)
  })

  it('runs compare-corpus as a job: bytes/files progress, the MetricsResult as result, cancel', async () => {
    const seen: CompareProgress[] = [
      { bytesDone: 100, bytesTotal: 400, filesDone: 0, filesTotal: 2, current: 'a.txt' },
      { bytesDone: 400, bytesTotal: 400, filesDone: 2, filesTotal: 2, current: 'b.jsonl' },
    ]
    const { service } = fakeCompare({
      corpus: async (onProgress) => {
        for (const p of seen) onProgress(p)
        return metricsResult()
      },
    })
    const jobs = new JobManager(inProcessRunner(), { compare: service })
    const updates: JobInfo[] = []
    jobs.onUpdate((j) => updates.push(j))
    const id = jobs.start({ kind: 'compare-corpus', params: { tokenizers: ['/m/llama', '/m/qwen'], corpus: '/data/wiki' } })
    const done = await jobs.wait(id)
    expect(done).toMatchObject({ state: 'done', kind: 'compare-corpus', title: 'Compare llama vs qwen on wiki', result: metricsResult() })
    // Labels from the screen name the tokenizers in the title; they are not passed to the worker.
    const labelled = await jobs.wait(jobs.start({ kind: 'compare-corpus', params: { tokenizers: ['/m/llama', '/m/qwen'], corpus: '/data/wiki', labels: ['meta/llama', 'qwen/qwen'] } }))
    expect(labelled.title).toBe('Compare meta/llama vs qwen/qwen on wiki')
    expect(done.log).toEqual(['1 file(s), 3 document(s), 30 characters in 0.01 s', 'problem: line 3: not JSON'])
    const progress = updates.map((u) => u.progress).filter((p) => p !== null)
    expect(progress[0]).toMatchObject({ phase: 'planning', current: 'loading tokenizers' })
    expect(progress).toContainEqual(expect.objectContaining({ bytesDone: 100, bytesTotal: 400, tensorsDone: 0, tensorsTotal: 2, filesDone: 0, filesTotal: 2, current: 'a.txt' }))
    expect(done.progress).toMatchObject({ phase: 'done', bytesDone: 400, bytesTotal: 400, filesDone: 1, filesTotal: 1 })

    const slow = fakeCompare({
      corpus: (_p, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new CancelledError()))
        }),
    })
    const jobs2 = new JobManager(inProcessRunner(), { compare: slow.service })
    const id2 = jobs2.start({ kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: '/c' } })
    expect(jobs2.cancel(id2)).toBe(true)
    expect(await jobs2.wait(id2)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } })

    // A job manager built without the service says so instead of hanging.
    const bare = new JobManager(inProcessRunner())
    expect(await bare.wait(bare.start({ kind: 'compare-corpus', params: { tokenizers: ['/a', '/b'], corpus: '/c' } }))).toMatchObject({ state: 'failed', error: { code: 'INTERNAL' } })
  })

  it('names tokenizers by repo id in the Hub cache, else by folder', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567'
    expect(tokenizerDisplayName(`/home/me/.cache/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/${sha}`)).toBe('Qwen/Qwen3-8B')
    expect(tokenizerDisplayName(`/hub/models--org--name/snapshots/${sha}/tokenizer/tokenizer.json`)).toBe('org/name/tokenizer')
    expect(tokenizerDisplayName('/models/llama3/')).toBe('llama3')
    expect(tokenizerDisplayName('/models/llama3/tokenizer.json')).toBe('llama3')
  })

  it('job progress: rate and ETA from bytes read', () => {
    const p = corpusJobProgress({ bytesDone: 500, bytesTotal: 1500, filesDone: 1, filesTotal: 3 }, 1000, 2000)
    expect(p).toMatchObject({ phase: 'stats', bytesPerSec: 500, etaSec: 2, tensorsDone: 1, tensorsTotal: 3 })
    expect(corpusJobProgress({ bytesDone: 0, bytesTotal: 10, filesDone: 0, filesTotal: 1 }, 1000, 1000).etaSec).toBeNull()
  })
})
