import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CompareProgress } from '../../shared/compare'
import { GraftError } from '../../core/errors'
import { fixtureDir } from '../../../test/compare/fixture-dirs'
import { parseCsv } from '../../../test/compare/helpers'
import { createCompareService, type CompareService } from './compare-service'

const TEXT = 'Hello, world! Ça va? 你好，世界 こんにちは 👋🏽 🇯🇵\n  indented\tline'

let root: string
let service: CompareService
const mistral = fixtureDir('mistral')
const qwen3 = fixtureDir('qwen3')

/** Token counts straight from the tokenizers library, in this process. */
async function directCount(dir: string, text: string): Promise<number> {
  const tok = Tokenizer.fromFile(join(dir, 'tokenizer.json'))
  return (await tok.encode(text, null, { addSpecialTokens: false })).getIds().length
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'graft-compare-service-'))
  service = createCompareService({ interactiveIdleMs: 1000, jobIdleMs: 1000 })
})
afterAll(async () => {
  await service.close()
  await rm(root, { recursive: true, force: true })
})

describe('compare service (worker threads, from source through tsx)', () => {
  it('text: the view and the metrics count what the tokenizers library counts', async () => {
    const r = await service.text({ tokenizers: [mistral, qwen3], text: TEXT })
    const expected = [await directCount(mistral, TEXT), await directCount(qwen3, TEXT)]
    expect(r.view.entries.map((e) => e.count)).toEqual(expected)
    expect(r.metrics.total.perTokenizer.map((m) => m.tokens)).toEqual(expected)
    expect(r.view.entries.map((e) => e.tokenizer)).toEqual(['mistral', 'qwen3'])
    expect(r.metrics.source).toBe('text')
    // UTF-16 offsets slice the input (pieces of one emoji share its span); emoji and CJK survive the thread boundary intact.
    let cursor = 0
    let covered = ''
    for (const t of r.view.entries[1].tokens) {
      if (t.end16 > cursor) covered += TEXT.slice(Math.max(cursor, t.start16), t.end16)
      cursor = Math.max(cursor, t.end16)
    }
    expect(covered).toBe(TEXT)
    // Special tokens when asked: Mistral adds <s>.
    const s = await service.text({ tokenizers: [mistral, qwen3], text: 'Hi', addSpecialTokens: true })
    expect(s.view.entries[0].tokens[0]).toMatchObject({ token: '<s>', special: true })
  })

  it('text: viewTokens keeps the reply small; a cancelled request stops in the worker and the next one runs', async () => {
    const long = `${TEXT} `.repeat(3000)
    const r = await service.text({ tokenizers: [mistral, qwen3], text: long, viewTokens: 100 })
    expect(r.view.entries.map((e) => e.tokens.length)).toEqual([100, 100])
    expect(r.view.entries[1].count).toBe(await directCount(qwen3, long))
    expect(r.metrics.total.perTokenizer[1].tokens).toBe(r.view.entries[1].count)
    // The wall time covers the view's encoding too, which the metrics now reuse.
    expect(r.metrics.wallMs).toBeGreaterThanOrEqual(r.view.entries[0].timeMs + r.view.entries[1].timeMs)
    const ac = new AbortController()
    const superseded = service.text({ tokenizers: [mistral, qwen3], text: long }, ac.signal)
    ac.abort()
    await expect(superseded).rejects.toMatchObject({ code: 'CANCELLED' })
    expect((await service.text({ tokenizers: [mistral, qwen3], text: 'Hi' })).view.entries[1].count).toBe(1)
  })

  it('errors keep their code and file across the thread', async () => {
    const missing = join(root, 'missing')
    await expect(service.text({ tokenizers: [missing, mistral], text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND', file: missing })
    const empty = join(root, 'empty')
    await mkdir(empty, { recursive: true })
    const e = await service.vocabDiff({ a: empty, b: mistral }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(GraftError)
    expect(e).toMatchObject({ code: 'TOKENIZER', hint: expect.stringContaining('tokenizer.json') })
    // The thread survives an error: the next request works.
    expect((await service.text({ tokenizers: [mistral, mistral], text: 'ok' })).view.entries).toHaveLength(2)
  })

  it('vocabDiff pages and searches; vocabCsv exports the whole list', async () => {
    const d = await service.vocabDiff({ a: mistral, b: qwen3, limit: 5 })
    expect(d.a.name).toBe('mistral')
    expect(d.onlyInA.items).toHaveLength(5)
    expect(d.onlyInA.total).toBe(d.onlyA)
    expect(d.union).toBe(d.shared + d.onlyA + d.onlyB)
    const searched = await service.vocabDiff({ a: mistral, b: qwen3, search: 'ing', limit: 10_000 })
    expect(searched.onlyInB.items.every((t) => (t.normalized + t.token).toLowerCase().includes('ing'))).toBe(true)
    const { csv } = await service.vocabCsv({ a: mistral, b: qwen3, list: 'only-a' })
    const rows = parseCsv(csv)
    expect(rows[0]).toEqual(['id', 'token', 'normalized'])
    expect(rows).toHaveLength(d.onlyA + 1)
  })

  it('chat: each tokenizer renders or fails on its own', async () => {
    const r = await service.chat({ tokenizers: [mistral, qwen3], messages: [{ role: 'user', content: 'Hi 😀' }], addGenerationPrompt: true })
    expect(r).toHaveLength(2)
    expect(r[0]).toMatchObject({ ok: false, path: mistral, error: { code: 'TOKENIZER', message: expect.stringContaining('no chat template') } })
    if (!r[1].ok) throw new Error(r[1].error.message)
    expect(r[1].result.text).toBe('<|im_start|>user\nHi 😀<|im_end|>\n<|im_start|>assistant\n')
    expect(r[1].result.count).toBe(await directCount(qwen3, r[1].result.text))
  })

  it('corpus: progress through the message port, per-file results, and cancel', async () => {
    const corpus = join(root, 'corpus')
    await mkdir(corpus, { recursive: true })
    const line = 'The quick brown fox jumps over the lazy dog. 你好世界。\n'
    await writeFile(join(corpus, 'a.txt'), line.repeat(20_000))
    await writeFile(join(corpus, 'b.jsonl'), `${JSON.stringify({ text: 'Bonjour le monde', lang: 'fr' })}\n`.repeat(100))
    const progress: CompareProgress[] = []
    const m = await service.corpus({ tokenizers: [mistral, qwen3], corpus }, { onProgress: (p) => progress.push(p) })
    expect(m.files.map((f) => f.name)).toEqual(['a.txt', 'b.jsonl'])
    expect(m.languages.map((g) => g.name)).toEqual(['fr'])
    expect(m.total.documents).toBe(20_100)
    const perLine = await directCount(qwen3, line.trimEnd())
    expect(m.files[0].perTokenizer[1].tokens).toBe(perLine * 20_000)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toMatchObject({ filesTotal: 2 })

    const ac = new AbortController()
    const running = service.corpus({ tokenizers: [mistral, qwen3], corpus }, { signal: ac.signal, onProgress: () => ac.abort() })
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' })
    // The job lane starts a fresh thread after a cancel; the interactive lane was never touched.
    expect((await service.corpus({ tokenizers: [mistral, mistral], corpus: join(corpus, 'b.jsonl') })).total.documents).toBe(100)
  })

  it('refuses work after close', async () => {
    const s = createCompareService()
    await s.close()
    await expect(s.text({ tokenizers: [mistral, qwen3], text: 'x' })).rejects.toMatchObject({ code: 'CANCELLED' })
  })
})

describe('compare service with a worker that cannot load', () => {
  it('fails every queued request at once with WORKER_FAILED (file and cause), and the next one too, never a hang', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-compare-broken-'))
    const file = join(dir, 'broken-compare-worker.mjs')
    await writeFile(file, "import 'graft-no-such-tokenizer-package'\nexport default () => null\n")
    const service = createCompareService({ workerFile: file })
    const started = Date.now()
    try {
      const errs = await Promise.all([1, 2, 3].map(() => service.vocabTable({ path: dir }).then(() => null, (e: GraftError) => e)))
      for (const e of errs) {
        expect(e?.code).toBe('WORKER_FAILED')
        expect(e?.message).toContain(file)
        expect(e?.message).toContain('graft-no-such-tokenizer-package')
      }
      await expect(service.vocabTable({ path: dir })).rejects.toMatchObject({ code: 'WORKER_FAILED' })
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      await service.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 40_000)
})
