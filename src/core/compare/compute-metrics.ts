import type { Encoding } from 'tokenizers'
import type { CompareProgress, MetricsGroup, MetricsResult, MetricsTokenizerInfo, TokenizerMetrics } from '../../shared/compare'
import { CancelledError, GraftError } from '../errors'
import { findWords, WORD_DEFINITION } from './find-words'
import { resolveTokenizer, type LoadedTokenizer, type TokenizerRef } from './load-tokenizer'
import { PIECE_BYTE_FALLBACK, PIECE_UNKNOWN, pieceTable } from './piece-table'
import { listCorpusFiles, readCorpusFile, type CorpusFile, type CorpusReadStats } from './read-corpus'
import { codePointLength, utf8Length } from './text-units'

/**
 * Documents are sent to the tokenizers library in batches of about this many UTF-16 units:
 * encodeBatch spreads a batch over all cores, and a quarter megabyte keeps memory flat.
 */
export const BATCH_CHARS = 256 * 1024
/** …or this many documents, whichever comes first (short lines). */
export const BATCH_DOCS = 4096
/** A batch is encoded in this many parts, each encoded while the previous one's results are read. */
const PIPELINE_PARTS = 4

export type { CompareProgress, MetricsGroup, MetricsResult, MetricsTokenizerInfo, TokenizerMetrics } from '../../shared/compare'

export interface ComputeMetricsOptions {
  tokenizers: TokenizerRef[]
  /** A text (one document)… */
  text?: string
  /** …or a corpus: a folder of .txt / .jsonl files (subfolders included), or one such file. */
  corpus?: string
  /** jsonl field holding the text; default "text". */
  textField?: string
  /** Count the tokens the post-processor adds (BOS/EOS). Default false: content tokens only. */
  addSpecialTokens?: boolean
  /**
   * With `text`: each tokenizer's encoding of it (same order, same addSpecialTokens) and the time it
   * took, as tokenizeView made them; the text is not encoded again (a second encode of a long paste
   * cost a third of the request).
   */
  encoded?: { encoding: Encoding; ms: number }[]
  /** Compute split words (needs token offsets, about 20% slower). Default true. */
  wordStats?: boolean
  signal?: AbortSignal
  onProgress?: (p: CompareProgress) => void
}

interface Counts {
  documents: number
  characters: number
  bytes: number
  words: number
  tokens: Float64Array
  splitWords: Float64Array
  unknown: Float64Array
  byteFallback: Float64Array
  timeMs: Float64Array
}

function newCounts(n: number): Counts {
  return { documents: 0, characters: 0, bytes: 0, words: 0, tokens: new Float64Array(n), splitWords: new Float64Array(n), unknown: new Float64Array(n), byteFallback: new Float64Array(n), timeMs: new Float64Array(n) }
}

function finish(name: string, kind: MetricsGroup['kind'], c: Counts): MetricsGroup {
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0)
  const perTokenizer: TokenizerMetrics[] = []
  for (let t = 0; t < c.tokens.length; t++) {
    const tokens = c.tokens[t]
    perTokenizer.push({
      tokens,
      splitWords: c.splitWords[t],
      unknown: c.unknown[t],
      byteFallback: c.byteFallback[t],
      timeMs: c.timeMs[t],
      charsPerToken: ratio(c.characters, tokens),
      bytesPerToken: ratio(c.bytes, tokens),
      fertility: ratio(tokens, c.words),
      splitWordShare: ratio(c.splitWords[t], c.words),
      tokensPerSecond: ratio(tokens, c.timeMs[t] / 1000),
    })
  }
  return { name, kind, documents: c.documents, characters: c.characters, bytes: c.bytes, words: c.words, perTokenizer }
}

interface Batch {
  /** The text or file the documents come from, for messages. */
  where: string
  texts: string[]
  languages: (string | undefined)[]
  /** Word spans of all documents, concatenated; doc d's spans start at wordStart[d] (in words). */
  spans: Uint32Array
  wordStart: number[]
  wordCount: number[]
  chars: number
}

/**
 * Tokenizer metrics on a text or a corpus: tokens, characters (code points), UTF-8 bytes, words,
 * chars/token, bytes/token, fertility (tokens per word), the share of words split into more than
 * one token, unknown and byte-fallback tokens, and encode time, per tokenizer; for a corpus also
 * per file and per language. A text is one document; in a corpus each .txt line and each .jsonl
 * record is one document, encoded on its own (no special tokens unless asked), in batches with
 * encodeBatch. Files are streamed, never read whole.
 */
export async function computeMetrics(opts: ComputeMetricsOptions): Promise<MetricsResult> {
  const wall0 = performance.now()
  if ((opts.text === undefined) === (opts.corpus === undefined)) throw new GraftError('BAD_REQUEST', 'Give either a text or a corpus folder to compute metrics on.')
  if (opts.tokenizers.length === 0) throw new GraftError('BAD_REQUEST', 'Choose at least one tokenizer.')
  const encoded = opts.text !== undefined && opts.encoded?.length === opts.tokenizers.length ? opts.encoded : undefined
  const loaded: LoadedTokenizer[] = []
  for (const ref of opts.tokenizers) loaded.push(await resolveTokenizer(ref))
  const n = loaded.length
  const flags = loaded.map((l) => pieceTable(l).flags)
  const addSpecialTokens = opts.addSpecialTokens ?? false
  const wordStats = opts.wordStats ?? true
  const total = newCounts(n)
  const languages = new Map<string, Counts>()
  let spanBuf = new Uint32Array(1 << 16)
  const wordBuf = new Uint32Array(1 << 16)

  const run = async (batch: Batch, group: Counts | null): Promise<void> => {
    if (opts.signal?.aborted) throw new CancelledError()
    // Split the batch so the library encodes the next part while this thread reads the results
    // of the previous one; one tokenizer at a time, so each tokenizer's time is its own.
    const parts: [number, number][] = []
    const step = Math.max(1, Math.ceil(batch.texts.length / PIPELINE_PARTS))
    for (let i = 0; i < batch.texts.length; i += step) parts.push([i, Math.min(batch.texts.length, i + step)])
    for (let t = 0; t < n; t++) {
      if (opts.signal?.aborted) throw new CancelledError()
      const t0 = performance.now()
      const tok = loaded[t].tokenizer
      const encode = (k: number) => {
        if (encoded) return Promise.resolve([encoded[t].encoding])
        const p = tok.encodeBatch(batch.texts.slice(parts[k][0], parts[k][1]), { addSpecialTokens })
        p.catch(() => undefined) // awaited below; never an unhandled rejection if we stop early
        return p
      }
      const f = flags[t]
      let next = encode(0)
      for (let k = 0; k < parts.length; k++) {
        let encs: Awaited<typeof next>
        try {
          encs = await next
        } catch (e) {
          throw new GraftError('TOKENIZER', `${loaded[t].meta.name} failed to encode ${batch.where}: ${(e as Error).message}`, { file: loaded[t].meta.path, cause: e })
        }
        if (k + 1 < parts.length) next = encode(k + 1)
        for (let e = 0; e < encs.length; e++) {
          const d = parts[k][0] + e
          const enc = encs[e]
          const ids = enc.getIds()
          let unknown = 0
          let byteFallback = 0
          for (let i = 0; i < ids.length; i++) {
            const fl = f[ids[i]]
            if (fl & (PIECE_UNKNOWN | PIECE_BYTE_FALLBACK)) {
              if (fl & PIECE_UNKNOWN) unknown++
              if (fl & PIECE_BYTE_FALLBACK) byteFallback++
            }
          }
          let split = 0
          const words = batch.wordCount[d]
          if (wordStats && words > 0) split = countSplitWords(enc.getOffsets(), batch.spans, batch.wordStart[d], words)
          const lang = batch.languages[d]
          const targets = lang === undefined ? [total, group] : [total, group, languages.get(lang)!]
          for (const c of targets) {
            if (!c) continue
            c.tokens[t] += ids.length
            c.unknown[t] += unknown
            c.byteFallback[t] += byteFallback
            c.splitWords[t] += split
          }
        }
      }
      const dt = performance.now() - t0 + (encoded ? encoded[t].ms : 0)
      total.timeMs[t] += dt
      if (group) group.timeMs[t] += dt
    }
  }

  /** Adds a document's text-side counts and word spans to the batch. */
  const makeBatch = (where: string): Batch => ({ where, texts: [], languages: [], spans: spanBuf, wordStart: [], wordCount: [], chars: 0 })
  let spanUsed = 0
  const addDoc = (batch: Batch, text: string, language: string | undefined, group: Counts | null): void => {
    const chars = codePointLength(text)
    const bytes = utf8Length(text)
    const { spans, count } = findWords(text, wordBuf)
    if ((spanUsed + count) * 2 > spanBuf.length) {
      const bigger = new Uint32Array(Math.max(spanBuf.length * 2, (spanUsed + count) * 2))
      bigger.set(spanBuf.subarray(0, spanUsed * 2))
      spanBuf = bigger
      batch.spans = spanBuf
    }
    spanBuf.set(spans.subarray(0, count * 2), spanUsed * 2)
    batch.wordStart.push(spanUsed)
    batch.wordCount.push(count)
    spanUsed += count
    batch.texts.push(text)
    batch.languages.push(language)
    batch.chars += text.length
    let lc: Counts | undefined
    if (language !== undefined) {
      lc = languages.get(language)
      if (!lc) languages.set(language, (lc = newCounts(n)))
    }
    for (const c of [total, group, lc]) {
      if (!c) continue
      c.documents++
      c.characters += chars
      c.bytes += bytes
      c.words += count
    }
  }

  const base = {
    tokenizers: loaded.map((l) => ({ name: l.meta.name, path: l.meta.path, modelType: l.meta.modelType, alphabet: l.meta.alphabet, size: l.meta.size })),
    addSpecialTokens,
    wordDefinition: WORD_DEFINITION,
  }

  if (opts.text !== undefined) {
    const batch = makeBatch('the text')
    spanUsed = 0
    addDoc(batch, opts.text, undefined, null)
    await run(batch, null)
    return {
      source: 'text',
      corpus: null,
      ...base,
      documentDefinition: 'The whole text is one document.',
      total: finish('text', 'total', total),
      files: [],
      languages: [],
      skipped: 0,
      badRecords: 0,
      longLinesSplit: 0,
      problems: [],
      wallMs: performance.now() - wall0,
    }
  }

  const corpus = opts.corpus as string
  const files = await listCorpusFiles(corpus)
  const bytesTotal = files.reduce((s, f) => s + f.bytes, 0)
  const stats: CorpusReadStats = { bytesRead: 0, skipped: 0, longLinesSplit: 0, badRecords: 0, problems: [] }
  const fileGroups: MetricsGroup[] = []
  let filesDone = 0
  const progress = (file: CorpusFile | undefined): void => opts.onProgress?.({ bytesDone: stats.bytesRead, bytesTotal, filesDone, filesTotal: files.length, current: file?.name })
  for (const file of files) {
    const group = newCounts(n)
    let batch = makeBatch(file.path)
    spanUsed = 0
    for await (const doc of readCorpusFile({ file, textField: opts.textField, stats, signal: opts.signal })) {
      addDoc(batch, doc.text, doc.language, group)
      if (batch.chars >= BATCH_CHARS || batch.texts.length >= BATCH_DOCS) {
        await run(batch, group)
        progress(file)
        batch = makeBatch(file.path)
        spanUsed = 0
      }
    }
    if (opts.signal?.aborted) throw new CancelledError()
    if (batch.texts.length) await run(batch, group)
    filesDone++
    progress(file)
    fileGroups.push(finish(file.name, 'file', group))
  }
  return {
    source: 'corpus',
    corpus,
    ...base,
    documentDefinition: 'Each non-blank line of a .txt file, and the text field of each .jsonl record, is one document, tokenized on its own.',
    total: finish('total', 'total', total),
    files: fileGroups,
    languages: [...languages.entries()].sort((a, b) => b[1].characters - a[1].characters).map(([name, c]) => finish(name, 'language', c)),
    skipped: stats.skipped,
    badRecords: stats.badRecords,
    longLinesSplit: stats.longLinesSplit,
    problems: stats.problems,
    wallMs: performance.now() - wall0,
  }
}

/**
 * Words (spans[2w], spans[2w+1] in code points, `count` of them from word `first`) that more than
 * one token overlaps. Zero-width tokens (inserted special tokens) overlap nothing.
 */
export function countSplitWords(offsets: number[][], spans: Uint32Array, first: number, count: number): number {
  const n = offsets.length
  let j = 0
  let split = 0
  for (let w = first; w < first + count; w++) {
    const ws = spans[2 * w]
    const we = spans[2 * w + 1]
    while (j < n && offsets[j][1] <= ws) j++
    let touching = 0
    for (let k = j; k < n; k++) {
      const [s, e] = offsets[k]
      if (s >= we) break
      if (e > s && e > ws) touching++
      if (touching > 1) {
        split++
        break
      }
    }
  }
  return split
}
