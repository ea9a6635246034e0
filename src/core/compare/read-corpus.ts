import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, extname, join, relative } from 'node:path'
import { GraftError } from '../errors'
import { describeFileType } from '../exec/read-input-file'

/** Corpus file types: plain text (one document per line) and JSON Lines (one record per line). */
export const CORPUS_EXTENSIONS = ['.txt', '.jsonl'] as const
/** Read size: large enough for throughput, small enough that memory stays flat on any file. */
export const READ_CHUNK_BYTES = 1 << 20
/**
 * A .txt line longer than this (code points) is cut at its last whitespace (or hard, if it has
 * none) into several documents, so a file with no line breaks never has to sit in memory whole.
 */
export const MAX_TXT_LINE_CHARS = 1_000_000
/** A .jsonl record must fit in memory to be parsed; beyond this the file is refused. */
export const MAX_JSONL_LINE_CHARS = 64_000_000
/** Problems listed by line number before the rest are only counted. */
const MAX_LISTED_PROBLEMS = 5
/** Folders deeper than this are not searched for corpus files. */
const MAX_DEPTH = 8

export interface CorpusFile {
  path: string
  /** Path relative to the corpus folder (the file name for a single file). */
  name: string
  bytes: number
  format: 'txt' | 'jsonl'
}

/** Lists the .txt and .jsonl files of a corpus folder (sorted, subfolders included), or one file. */
export async function listCorpusFiles(path: string): Promise<CorpusFile[]> {
  const st = await stat(path).catch(() => null)
  if (!st) throw new GraftError('NOT_FOUND', `${path} does not exist.`, { file: path, hint: 'Choose a folder of .txt or .jsonl files.' })
  const formatOf = (p: string): CorpusFile['format'] | null => {
    const ext = extname(p).toLowerCase()
    return ext === '.txt' ? 'txt' : ext === '.jsonl' ? 'jsonl' : null
  }
  if (st.isFile()) {
    const format = formatOf(path)
    if (!format) throw new GraftError('BAD_REQUEST', `${path} is not a .txt or .jsonl file.`, { file: path, hint: 'A corpus is a folder of .txt (one document per line) or .jsonl (a "text" field per line) files.' })
    return [{ path, name: basename(path), bytes: st.size, format }]
  }
  if (!st.isDirectory()) {
    throw new GraftError('BAD_REQUEST', `${path} is ${describeFileType(st)}, not a folder or a file.`, { file: path, hint: 'A corpus is a folder of .txt (one document per line) or .jsonl (a "text" field per line) files.' })
  }
  const out: CorpusFile[] = []
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(p, depth + 1)
      } else if (e.isFile()) {
        const format = formatOf(e.name)
        if (format) out.push({ path: p, name: relative(path, p), bytes: (await stat(p)).size, format })
      }
    }
  }
  await walk(path, 0)
  if (out.length === 0) {
    throw new GraftError('BAD_REQUEST', `${path} holds no .txt or .jsonl files.`, { file: path, hint: 'A corpus is a folder of .txt (one document per line) or .jsonl (a "text" field per line) files.' })
  }
  return out
}

export interface CorpusDocument {
  text: string
  /** 1-based line number in the file. */
  line: number
  /** jsonl records: their "lang" or "language" field. */
  language?: string
}

export interface CorpusReadStats {
  /** File bytes read so far. */
  bytesRead: number
  /** Blank lines and records without text, skipped. */
  skipped: number
  /** Cuts made in .txt lines longer than MAX_TXT_LINE_CHARS (each cut adds a document). */
  longLinesSplit: number
  /** jsonl lines that are not JSON or have no string text field. */
  badRecords: number
  problems: string[]
}

export interface ReadCorpusOptions {
  file: CorpusFile
  /** jsonl field holding the text; default "text". */
  textField?: string
  stats: CorpusReadStats
  signal?: AbortSignal
  /** Override MAX_TXT_LINE_CHARS (tests). */
  maxLineChars?: number
}

/**
 * Streams the documents of one corpus file: each non-blank line of a .txt file (line break
 * excluded, CRLF accepted), or the text field of each line of a .jsonl file. Reads in
 * READ_CHUNK_BYTES pieces, so memory stays flat however large the file.
 */
export async function* readCorpusFile(opts: ReadCorpusOptions): AsyncGenerator<CorpusDocument> {
  const { file, stats } = opts
  const field = opts.textField ?? 'text'
  const maxLine = opts.maxLineChars ?? MAX_TXT_LINE_CHARS
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const stream = createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES })
  let pending = ''
  let line = 1
  let first = true
  const problem = (msg: string): void => {
    if (stats.problems.length < MAX_LISTED_PROBLEMS) stats.problems.push(`${file.name}:${msg}`)
  }
  const noteCut = (lineNo: number): void => {
    if (stats.longLinesSplit === 0) problem(`${lineNo}: a line longer than ${maxLine} characters was cut into several documents`)
    stats.longLinesSplit++
  }
  const emitLine = function* (raw: string, lineNo: number): Generator<CorpusDocument> {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (file.format === 'txt') {
      if (text.trim() === '') {
        stats.skipped++
        return
      }
      let rest = text
      while (rest.length > maxLine) {
        const cut = cutPoint(rest, maxLine)
        noteCut(lineNo)
        yield { text: rest.slice(0, cut), line: lineNo }
        rest = rest.slice(cut)
      }
      yield { text: rest, line: lineNo }
      return
    }
    if (text.trim() === '') {
      stats.skipped++
      return
    }
    let rec: unknown
    try {
      rec = JSON.parse(text)
    } catch {
      // Never quote the line: it may hold a secret, and the problem list crosses the API.
      stats.badRecords++
      problem(`${lineNo}: not valid JSON`)
      return
    }
    const value = rec !== null && typeof rec === 'object' ? (rec as Record<string, unknown>)[field] : undefined
    if (typeof value !== 'string') {
      stats.badRecords++
      problem(`${lineNo}: no string "${field}" field`)
      return
    }
    if (value === '') {
      stats.skipped++
      return
    }
    const r = rec as Record<string, unknown>
    const lang = typeof r.lang === 'string' ? r.lang : typeof r.language === 'string' ? r.language : undefined
    yield lang === undefined ? { text: value, line: lineNo } : { text: value, line: lineNo, language: lang }
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) return
      stats.bytesRead += chunk.length
      let s = decoder.decode(chunk, { stream: true })
      if (first) {
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1)
        first = false
      }
      pending += s
      let from = 0
      for (;;) {
        const nl = pending.indexOf('\n', from)
        if (nl < 0) break
        yield* emitLine(pending.slice(from, nl), line++)
        from = nl + 1
      }
      pending = from > 0 ? pending.slice(from) : pending
      if (file.format === 'txt') {
        // A line still growing past the limit: emit its head now, so memory stays bounded.
        while (pending.length > maxLine) {
          const cut = cutPoint(pending, maxLine)
          noteCut(line)
          yield { text: pending.slice(0, cut), line }
          pending = pending.slice(cut)
        }
      } else if (pending.length > MAX_JSONL_LINE_CHARS) {
        throw new GraftError('BAD_REQUEST', `${file.path}: line ${line} is longer than ${MAX_JSONL_LINE_CHARS} characters.`, {
          file: file.path,
          hint: 'Split very large records into several lines, or use a .txt file.',
        })
      }
    }
    pending += decoder.decode()
    if (pending.length > 0) yield* emitLine(pending, line)
  } finally {
    stream.destroy()
  }
}

/**
 * Where to cut an overlong line: after the last space or tab in the back half of the first
 * `max` UTF-16 units, else at `max` (never between the halves of a surrogate pair).
 */
function cutPoint(s: string, max: number): number {
  for (let i = max; i > max / 2; i--) {
    const c = s.charCodeAt(i)
    if (c === 0x20 || c === 0x09) return i
  }
  const c = s.charCodeAt(max - 1)
  return c >= 0xd800 && c <= 0xdbff ? max - 1 : max
}
