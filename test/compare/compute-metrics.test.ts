import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tokenizer, type Encoding } from 'tokenizers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeMetrics } from '../../src/core/compare/compute-metrics'
import { loadTokenizer, type LoadedTokenizer } from '../../src/core/compare/load-tokenizer'
import { tokenizeView } from '../../src/core/compare/tokenize-view'
import { MAX_TXT_LINE_CHARS, READ_CHUNK_BYTES, readCorpusFile } from '../../src/core/compare/read-corpus'
import { CancelledError, GraftError } from '../../src/core/errors'
import { byteLevelBytes } from '../../src/core/tokenizer/byte-level'
import { fixtureDir } from './fixture-dirs'
import { referenceSplitWords, referenceWords, validUtf8, writeTinyTokenizer } from './helpers'

const TEXT = [
  'The quick brown fox jumps over the lazy dog; tokenizers disagree about "antidisestablishmentarianism".',
  'function add(a: number, b: number) {\n\treturn a + b\n}',
  '机器学习是人工智能的一个分支，它使计算机能够从数据中学习。',
  '日本語のテキストとカタカナ、ひらがな。',
  'Emoji 😀🎉 family 👨‍👩‍👧‍👦 flag 🇫🇷 skin 👍🏽 — done.',
].join('\n')

const tmp = mkdtempSync(join(tmpdir(), 'graft-metrics-'))
const tiny = writeTinyTokenizer(tmp)
const NAMES = ['mistral', 'qwen3'] as const
const tok: Record<string, LoadedTokenizer> = {}
/** The same Rust tokenizers, called directly (encode / encodeBatch) for the reference counts. */
const direct: Record<string, Tokenizer> = {}

beforeAll(async () => {
  for (const name of NAMES) tok[name] = await loadTokenizer({ path: fixtureDir(name) })
  tok.tiny = await loadTokenizer({ path: tiny.folder })
  for (const [name, t] of Object.entries(tok)) direct[name] = t.tokenizer
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Byte-fallback tokens counted from the token strings alone. */
function referenceByteFallback(name: string, tokens: string[]): number {
  if (name === 'mistral') return tokens.filter((t) => /^<0x[0-9A-F]{2}>$/.test(t)).length
  return tokens.filter((t) => {
    const b = byteLevelBytes(t)
    return b !== null && !validUtf8(b)
  }).length
}

describe('computeMetrics on a text', () => {
  it('matches counts computed independently (direct encode, spread string, Buffer.byteLength, a separate word split)', async () => {
    const res = await computeMetrics({ tokenizers: NAMES.map((n) => tok[n]), text: TEXT })
    const words = referenceWords(TEXT)
    expect(res.source).toBe('text')
    expect(res.total.documents).toBe(1)
    expect(res.total.characters).toBe([...TEXT].length)
    expect(res.total.bytes).toBe(Buffer.byteLength(TEXT))
    expect(res.total.words).toBe(words.length)
    expect(res.total.words).toBe(TEXT.split(/\s+/u).filter(Boolean).length - 3 + [...'机器学习是人工智能的一个分支，它使计算机能够从数据中学习。日本語のテキストとカタカナ、ひらがな。'].filter((c) => /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(c)).length + 5)
    for (const [i, name] of NAMES.entries()) {
      const enc = await direct[name].encode(TEXT, null, { addSpecialTokens: false })
      const m = res.total.perTokenizer[i]
      expect(m.tokens).toBe(enc.getIds().length)
      expect(m.byteFallback).toBe(referenceByteFallback(name, enc.getTokens()))
      expect(m.byteFallback).toBeGreaterThan(0)
      expect(m.unknown).toBe(0)
      expect(m.splitWords).toBe(referenceSplitWords(words, enc.getOffsets() as [number, number][]))
      expect(m.charsPerToken).toBeCloseTo([...TEXT].length / m.tokens, 12)
      expect(m.bytesPerToken).toBeCloseTo(Buffer.byteLength(TEXT) / m.tokens, 12)
      expect(m.fertility).toBeCloseTo(m.tokens / words.length, 12)
      expect(m.splitWordShare).toBeCloseTo(m.splitWords / words.length, 12)
      expect(m.timeMs).toBeGreaterThan(0)
    }
  })

  it('reuses the view’s encodings of the text: same counts, encode time included, no second encode', async () => {
    const encodings: { encoding: Encoding; ms: number }[] = []
    await tokenizeView({ tokenizers: NAMES.map((n) => tok[n]), text: TEXT, encodings })
    expect(encodings).toHaveLength(NAMES.length)
    const fresh = await computeMetrics({ tokenizers: NAMES.map((n) => tok[n]), text: TEXT })
    const calls = { n: 0 }
    const counting = NAMES.map((n) => ({ ...tok[n], tokenizer: new Proxy(tok[n].tokenizer, {
        get: (t, k) => {
          if (k === 'encodeBatch' || k === 'encode') calls.n++
          const v = Reflect.get(t, k)
          return typeof v === 'function' ? v.bind(t) : v
        },
      }) }))
    const reused = await computeMetrics({ tokenizers: counting, text: TEXT, encoded: encodings })
    expect(calls.n).toBe(0)
    const strip = (m: typeof fresh) => m.total.perTokenizer.map(({ timeMs: _t, tokensPerSecond: _s, ...rest }) => rest)
    expect(strip(reused)).toEqual(strip(fresh))
    for (const [i, m] of reused.total.perTokenizer.entries()) expect(m.timeMs).toBeGreaterThanOrEqual(encodings[i].ms)
  })

  it('counts the CJK definition of words: 学习。 is three words', async () => {
    const res = await computeMetrics({ tokenizers: [tok.tiny], text: '学习。 dog, cat' })
    expect(res.total.words).toBe(5)
  })

  it('counts special tokens only when asked', async () => {
    const off = await computeMetrics({ tokenizers: [tok.mistral], text: 'Hello world' })
    const on = await computeMetrics({ tokenizers: [tok.mistral], text: 'Hello world', addSpecialTokens: true })
    expect(on.total.perTokenizer[0].tokens).toBe(off.total.perTokenizer[0].tokens + 1)
    expect(on.total.perTokenizer[0].splitWords).toBe(off.total.perTokenizer[0].splitWords)
  })

  it('counts unknown tokens', async () => {
    const res = await computeMetrics({ tokenizers: [tok.tiny], text: 'hello there world, abc.' })
    // hello [UNK] world [UNK](,) abc .
    expect(res.total.perTokenizer[0]).toMatchObject({ tokens: 6, unknown: 2, byteFallback: 0 })
  })

  it('refuses bad requests', async () => {
    await expect(computeMetrics({ tokenizers: [tok.tiny] })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(computeMetrics({ tokenizers: [tok.tiny], text: 'a', corpus: tmp })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(computeMetrics({ tokenizers: [], text: 'a' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(computeMetrics({ tokenizers: [tok.tiny], corpus: join(tmp, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    mkdirSync(join(tmp, 'empty'))
    writeFileSync(join(tmp, 'empty', 'README.md'), '# not a corpus file')
    await expect(computeMetrics({ tokenizers: [tok.tiny], corpus: join(tmp, 'empty') })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})

describe('computeMetrics on a corpus', () => {
  const corpus = join(tmp, 'corpus')
  const TXT_A = 'First line in English.\r\nSecond line: 你好，世界！\n\n   \nThird 😀 line\n'
  const JSONL = [
    JSON.stringify({ text: 'A record in English.', lang: 'en' }),
    JSON.stringify({ text: '一条中文记录。', lang: 'zh' }),
    '{not json',
    JSON.stringify({ title: 'no text field' }),
    JSON.stringify({ text: 'Another English record with emoji 🎉.', language: 'en' }),
    JSON.stringify({ text: 'No language here.' }),
    '',
  ].join('\n')
  const TXT_C = 'nested folder line one\nline two without final newline'

  beforeAll(() => {
    mkdirSync(join(corpus, 'sub'), { recursive: true })
    writeFileSync(join(corpus, 'a.txt'), TXT_A)
    writeFileSync(join(corpus, 'b.jsonl'), JSONL)
    writeFileSync(join(corpus, 'sub', 'c.txt'), TXT_C)
    writeFileSync(join(corpus, 'notes.md'), 'ignored')
  })

  /** Documents of each file, computed here from the file contents. */
  const docsOf = (): Record<string, { text: string; lang?: string }[]> => ({
    'a.txt': TXT_A.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '').map((text) => ({ text })),
    'b.jsonl': JSONL.split('\n')
      .flatMap((l) => {
        try {
          const r = JSON.parse(l)
          return typeof r.text === 'string' ? [{ text: r.text as string, lang: (r.lang ?? r.language) as string | undefined }] : []
        } catch {
          return []
        }
      }),
    [join('sub', 'c.txt')]: TXT_C.split('\n').map((text) => ({ text })),
  })

  it('streams .txt and .jsonl files (subfolders too) and matches per-file and per-language counts computed independently', async () => {
    const progress: number[] = []
    const res = await computeMetrics({ tokenizers: [tok.qwen3, tok.mistral], corpus, onProgress: (p) => progress.push(p.bytesDone) })
    expect(res.files.map((f) => f.name)).toEqual(['a.txt', 'b.jsonl', join('sub', 'c.txt')])
    expect(res.badRecords).toBe(2)
    expect(res.problems.some((p) => p.startsWith('b.jsonl:3:'))).toBe(true)
    expect(res.problems.some((p) => p.startsWith('b.jsonl:4:'))).toBe(true)
    expect(res.skipped).toBe(2) // two blank .txt lines (a final line break ends a line, it does not start one)
    let allDocs = 0
    for (const f of res.files) {
      const d = docsOf()[f.name]
      allDocs += d.length
      expect(f.documents).toBe(d.length)
      expect(f.characters).toBe(d.reduce((s, x) => s + [...x.text].length, 0))
      expect(f.bytes).toBe(d.reduce((s, x) => s + Buffer.byteLength(x.text), 0))
      expect(f.words).toBe(d.reduce((s, x) => s + referenceWords(x.text).length, 0))
      for (const [i, name] of (['qwen3', 'mistral'] as const).entries()) {
        let tokens = 0
        for (const x of d) tokens += (await direct[name].encode(x.text, null, { addSpecialTokens: false })).getIds().length
        expect(f.perTokenizer[i].tokens).toBe(tokens)
      }
    }
    expect(res.total.documents).toBe(allDocs)
    expect(res.total.perTokenizer[0].tokens).toBe(res.files.reduce((s, f) => s + f.perTokenizer[0].tokens, 0))
    // languages from the jsonl "lang"/"language" fields
    const langs = Object.fromEntries(res.languages.map((g) => [g.name, g]))
    expect(Object.keys(langs).sort()).toEqual(['en', 'zh'])
    expect(langs.en.documents).toBe(2)
    expect(langs.zh.characters).toBe([...'一条中文记录。'].length)
    expect(progress.at(-1)).toBe(['a.txt', 'b.jsonl', join('sub', 'c.txt')].reduce((s, f) => s + readFileSync(join(corpus, f)).length, 0))
  })

  it('reads files larger than one read chunk with characters split across chunk boundaries', async () => {
    const big = join(tmp, 'big')
    mkdirSync(big)
    const lines: string[] = []
    let bytes = 0
    for (let i = 0; bytes < READ_CHUNK_BYTES * 1.6; i++) {
      const l = i % 3 === 0 ? `hello world ${i} abc.` : i % 3 === 1 ? `你${'好'.repeat(i % 7)} 😀👨‍👩‍👧 ${i}` : `world hello ${'x'.repeat(i % 11)}`
      lines.push(l)
      bytes += Buffer.byteLength(l) + 1
    }
    const text = lines.join('\n')
    writeFileSync(join(big, 'big.txt'), text)
    const res = await computeMetrics({ tokenizers: [tok.tiny], corpus: join(big, 'big.txt') })
    expect(res.total.documents).toBe(lines.length)
    expect(res.total.characters).toBe([...text].length - (lines.length - 1))
    expect(res.total.bytes).toBe(Buffer.byteLength(text) - (lines.length - 1))
    const encs = await direct.tiny.encodeBatch(lines, { addSpecialTokens: false })
    expect(res.total.perTokenizer[0].tokens).toBe(encs.reduce((s, e) => s + e.getIds().length, 0))
    expect(res.total.perTokenizer[0].unknown).toBe(encs.reduce((s, e) => s + e.getIds().filter((id) => id === 0).length, 0))
  })

  it('cuts a .txt line longer than the line limit at whitespace, also while it is still being read, and says so', async () => {
    const dir = join(tmp, 'long')
    mkdirSync(dir)
    const line = 'abc '.repeat(30).trimEnd() // 119 characters
    const p = join(dir, 'long.txt')
    writeFileSync(p, `hello\n${line}\nworld`)
    const stats = { bytesRead: 0, skipped: 0, longLinesSplit: 0, badRecords: 0, problems: [] as string[] }
    const docs: string[] = []
    for await (const d of readCorpusFile({ file: { path: p, name: 'long.txt', bytes: 0, format: 'txt' }, stats, maxLineChars: 50 })) docs.push(d.text)
    expect(docs.join('')).toBe(`hello${line}world`)
    expect(docs.slice(1, -1).every((d) => d.length <= 50 && !d.endsWith(' '))).toBe(true)
    expect(stats.longLinesSplit).toBe(docs.length - 3)
    expect(stats.problems[0]).toMatch(/long\.txt:2: a line longer than 50/)
    // a line with no line break that outgrows the limit while streaming (1 MiB read chunks)
    const huge = 'xyz '.repeat(700_000)
    writeFileSync(p, huge)
    const s2 = { bytesRead: 0, skipped: 0, longLinesSplit: 0, badRecords: 0, problems: [] as string[] }
    let joined = ''
    let n = 0
    for await (const d of readCorpusFile({ file: { path: p, name: 'long.txt', bytes: 0, format: 'txt' }, stats: s2 })) {
      expect(d.text.length).toBeLessThanOrEqual(MAX_TXT_LINE_CHARS)
      joined += d.text
      n++
    }
    expect(joined).toBe(huge)
    expect(n).toBe(s2.longLinesSplit + 1)
    expect(n).toBeGreaterThan(1)
  })

  it('stops with CancelledError when the signal is aborted', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(computeMetrics({ tokenizers: [tok.tiny], corpus, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
  })

  it('refuses a .jsonl file given directly when it is not a corpus file type', async () => {
    const p = join(tmp, 'x.csv')
    writeFileSync(p, 'a,b')
    await expect(computeMetrics({ tokenizers: [tok.tiny], corpus: p })).rejects.toBeInstanceOf(GraftError)
  })
})
