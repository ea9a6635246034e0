/** Helpers of the Compare screen: labels, whitespace, token clusters, number formats, CSV download. */
import type { LibraryEntry } from '../../../../shared/api'
import type { ViewToken } from '../../../../shared/compare'

/** A tokenizer chosen for comparison: its path and the name the Library gives it. */
export interface ChosenTokenizer {
  path: string
  label: string
  /** Where the choice came from: a Library entry (with its kind) or a typed path. */
  source: LibraryEntry['kind'] | 'path'
}

export const LETTERS = ['A', 'B', 'C', 'D'] as const

/** Library entries that carry a tokenizer: tokenizer folders, and models/adapters with tokenizer files. */
export function hasTokenizer(e: LibraryEntry): boolean {
  return !e.error && (e.kind === 'tokenizer' || typeof e.tokenizerSize === 'number')
}

/** The last folder name of a path (the folder of a tokenizer.json file). */
export function folderName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean)
  const last = parts.pop() ?? path
  return /\.json$/i.test(last) && parts.length ? `${parts.pop()}/${last}` : last
}

/** The label of a path: the Library's name for it when it is a Library entry, else its folder name; made unique among `taken`. */
export function labelFor(path: string, entries: LibraryEntry[] | null, taken: string[]): string {
  const entry = entries?.find((e) => e.path === path || `${e.path}/tokenizer.json` === path)
  const base = entry?.name ?? folderName(path)
  let label = base
  for (let i = 2; taken.includes(label); i++) label = `${base} (${i})`
  return label
}

const WS: Record<string, string> = { ' ': '␣', '\t': '⇥', '\n': '⏎', '\r': '␍', '\u00a0': '⍽', '\u3000': '␣' }

/** Whitespace glyphs, and other control characters as their Control Pictures (U+2400…). */
function glyph(ch: string): string | undefined {
  const g = WS[ch]
  if (g !== undefined) return g
  const c = ch.charCodeAt(0)
  if (c < 0x20) return String.fromCharCode(0x2400 + c)
  if (c === 0x7f) return '␡'
  return undefined
}

/** Splits text into runs of ordinary text and single visible-whitespace (or control) glyphs. */
export function visibleRuns(text: string): { text: string; ws: boolean }[] {
  const out: { text: string; ws: boolean }[] = []
  let run = ''
  for (const ch of text) {
    const g = glyph(ch)
    if (g === undefined) {
      run += ch
      continue
    }
    if (run) out.push({ text: run, ws: false })
    run = ''
    out.push({ text: g, ws: true })
  }
  if (run) out.push({ text: run, ws: false })
  return out
}

/** Text with whitespace made visible, as one string (tooltips, CSV-free displays). */
export function visible(text: string): string {
  return visibleRuns(text)
    .map((r) => r.text)
    .join('')
}

export const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')

/**
 * Runs of tokens as they cover the input. Tokens whose UTF-16 spans overlap (the byte pieces of
 * one emoji or rare character share its span) form one cluster, shown once with its pieces;
 * text no token covers becomes a gap; inserted special tokens (empty spans) stand alone.
 */
export type Segment =
  | { kind: 'gap'; start16: number; end16: number }
  | { kind: 'cluster'; start16: number; end16: number; tokens: ViewToken[] }

export function segments(text: string, tokens: ViewToken[]): Segment[] {
  const out: Segment[] = []
  let cursor = 0
  let current: Extract<Segment, { kind: 'cluster' }> | null = null
  for (const t of tokens) {
    const empty = t.end16 <= t.start16
    if (current && !empty && t.start16 < current.end16) {
      current.tokens.push(t)
      current.end16 = Math.max(current.end16, t.end16)
      cursor = Math.max(cursor, t.end16)
      continue
    }
    if (!empty && t.start16 > cursor) out.push({ kind: 'gap', start16: cursor, end16: t.start16 })
    current = { kind: 'cluster', start16: empty ? t.start16 : Math.max(cursor, t.start16), end16: empty ? t.start16 : t.end16, tokens: [t] }
    out.push(current)
    if (empty) current = null
    else cursor = Math.max(cursor, t.end16)
  }
  if (cursor < text.length && tokens.length > 0) out.push({ kind: 'gap', start16: cursor, end16: text.length })
  return out
}

/** What a token's tooltip says: position, id, stored string, bytes, offsets and flags. */
export function tokenTitle(t: ViewToken, text: string): string {
  const flags = [t.special ? 'special' : null, t.added && !t.special ? 'added' : null, t.byteFallback ? 'byte piece' : null, t.unknown ? 'unknown' : null].filter(Boolean)
  const lines = [`#${t.index} · id ${t.id}${flags.length ? ` · ${flags.join(', ')}` : ''}`, `token ${JSON.stringify(t.token)}`]
  if (t.bytes.length) lines.push(`bytes ${hex(t.bytes)}`)
  if (t.end16 > t.start16) lines.push(`text ${JSON.stringify(text.slice(t.start16, t.end16))} (chars ${t.start}–${t.end})`)
  else lines.push('inserted: covers no input text')
  return lines.join('\n')
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—'
}

export function pct(n: number, digits = 1): string {
  return Number.isFinite(n) ? `${(n * 100).toFixed(digits)}%` : '—'
}

export function ms(n: number): string {
  return !Number.isFinite(n) ? '—' : n < 10 ? `${n.toFixed(2)} ms` : n < 1000 ? `${n.toFixed(1)} ms` : `${(n / 1000).toFixed(2)} s`
}

/** UTF-8 length of a string, without encoding it. */
export function utf8Bytes(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/** Saves text as a file through a Blob link (works in the browser and the sandboxed Electron renderer). */
export function downloadText(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A file-name-safe form of a label. */
export function fileSafe(s: string): string {
  return s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'tokenizer'
}

export const DEMO_TEXT = `Tokenizers split the same text differently — compare them here.
Bonjour, ça va ? Grüße aus München! ¿Qué tal?
日本語のテキストと中文字符，还有 한국어 문장.
Emoji: 👋🏽 🎉 🇯🇵 👨‍👩‍👧 ❤️
    def tokenize(text):\treturn text.split()  # code & tabs`
