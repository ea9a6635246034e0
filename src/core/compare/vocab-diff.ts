import type { CompareVocabCsvParams, CompareVocabDiffParams, DiffList, DiffToken, RemapRow, SectionDiff, VocabDiffResult, VocabNormalization, VocabSide } from '../../shared/compare'
import { GraftError } from '../errors'
import { isJsonObject, type JsonValue } from '../json/json-text'
import { resolveTokenizer, type LoadedTokenizer, type TokenizerRef } from './load-tokenizer'
import { PIECE_ADDED, PIECE_BYTE_FALLBACK, pieceTable, readablePiece } from './piece-table'
import { showWhitespace } from './text-units'

/** Default page size of the only-in lists. */
export const DEFAULT_LIST_LIMIT = 200
/** Largest page of a list (the CSV export has no limit). */
export const MAX_LIST_LIMIT = 10_000
/** Default and largest number of rows of the id remap table shown (the CSV export has all). */
export const DEFAULT_REMAP_LIMIT = 200
/** Differing JSON paths listed per section before the rest are only counted. */
const MAX_SECTION_PATHS = 20

export type { DiffList, DiffToken, RemapRow, SectionDiff, VocabDiffResult, VocabNormalization, VocabSide } from '../../shared/compare'

export const NORMALIZATION_DESCRIPTIONS: Record<VocabNormalization, string> = {
  readable:
    'Tokens compared as the text they stand for: byte-level pieces (Ġ/Ċ alphabet) decoded from UTF-8, metaspace ▁ read as a space, WordPiece ## dropped; bytes that are not complete UTF-8 characters written <0xNN> (the SentencePiece byte-fallback spelling). Added tokens keep their content.',
  raw: 'Tokens compared as the strings stored in the vocabulary, without any mapping.',
}

/** compare.vocabDiff's params, with the two sides as paths or loaded tokenizers. */
export interface VocabDiffOptions extends Omit<CompareVocabDiffParams, 'a' | 'b'> {
  a: TokenizerRef
  b: TokenizerRef
}

interface NormalizedVocab {
  /** normalized → id (the lowest, except that a normal piece wins over a byte-fallback piece). */
  byText: Map<string, number>
  /** Normalized string per id (null for unknown ids). */
  texts: (string | null)[]
  collisions: number
}

const normCache = new WeakMap<LoadedTokenizer, Partial<Record<VocabNormalization, NormalizedVocab>>>()

function normalizedVocab(loaded: LoadedTokenizer, how: VocabNormalization): NormalizedVocab {
  let per = normCache.get(loaded)
  if (!per) normCache.set(loaded, (per = {}))
  const hit = per[how]
  if (hit) return hit
  const table = pieceTable(loaded)
  const byText = new Map<string, number>()
  const texts: (string | null)[] = new Array(table.size)
  let collisions = 0
  for (let id = 0; id < table.size; id++) {
    const token = table.tokens[id]
    if (token === null) {
      texts[id] = null
      continue
    }
    const norm = how === 'raw' ? token : readablePiece(loaded.meta, token, (table.flags[id] & PIECE_ADDED) !== 0)
    texts[id] = norm
    const prev = byText.get(norm)
    if (prev === undefined) byText.set(norm, id)
    else {
      collisions++
      // "<0x41>" and "A" both read "A": the remap table should name the piece text really uses.
      if (table.flags[prev] & PIECE_BYTE_FALLBACK && !(table.flags[id] & PIECE_BYTE_FALLBACK)) byText.set(norm, id)
    }
  }
  const v = { byText, texts, collisions }
  per[how] = v
  return v
}

function side(l: LoadedTokenizer, v: NormalizedVocab): VocabSide {
  const m = l.meta
  return {
    name: m.name,
    path: m.path,
    modelType: m.modelType,
    alphabet: m.alphabet,
    vocabSize: m.vocabSize,
    size: m.size,
    addedTokens: m.addedTokens.map((t) => ({ id: t.id, content: t.content, special: t.special })),
    specialTokens: m.specialTokens,
    distinct: v.byText.size,
    collisions: v.collisions,
  }
}

interface FullDiff {
  la: LoadedTokenizer
  lb: LoadedTokenizer
  va: NormalizedVocab
  vb: NormalizedVocab
  onlyA: DiffToken[]
  onlyB: DiffToken[]
  shared: RemapRow[]
}

/** The last full diff computed, so paging, searching and CSV export of one pair do not redo it. */
let lastDiff: { la: LoadedTokenizer; lb: LoadedTokenizer; how: VocabNormalization; diff: FullDiff } | null = null

async function fullDiff(opts: { a: TokenizerRef; b: TokenizerRef; normalization?: VocabNormalization }): Promise<FullDiff> {
  const how = opts.normalization ?? 'readable'
  if (how !== 'readable' && how !== 'raw') throw new GraftError('BAD_REQUEST', `Unknown vocabulary normalization "${String(how)}"; use readable or raw.`)
  const la = await resolveTokenizer(opts.a)
  const lb = await resolveTokenizer(opts.b)
  if (lastDiff && lastDiff.la === la && lastDiff.lb === lb && lastDiff.how === how) return lastDiff.diff
  const diff = computeFullDiff(la, lb, how)
  lastDiff = { la, lb, how, diff }
  return diff
}

function computeFullDiff(la: LoadedTokenizer, lb: LoadedTokenizer, how: VocabNormalization): FullDiff {
  const va = normalizedVocab(la, how)
  const vb = normalizedVocab(lb, how)
  const ta = pieceTable(la).tokens
  const tb = pieceTable(lb).tokens
  const onlyA: DiffToken[] = []
  const onlyB: DiffToken[] = []
  const shared: RemapRow[] = []
  for (const [text, aId] of va.byText) {
    const bId = vb.byText.get(text)
    const display = showWhitespace(text)
    if (bId === undefined) onlyA.push({ id: aId, token: ta[aId] as string, normalized: text, display })
    else shared.push({ normalized: text, display, aId, aToken: ta[aId] as string, bId, bToken: tb[bId] as string })
  }
  for (const [text, bId] of vb.byText) if (!va.byText.has(text)) onlyB.push({ id: bId, token: tb[bId] as string, normalized: text, display: showWhitespace(text) })
  onlyA.sort((x, y) => x.id - y.id)
  onlyB.sort((x, y) => x.id - y.id)
  shared.sort((x, y) => x.aId - y.aId)
  return { la, lb, va, vb, onlyA, onlyB, shared }
}

function filterList(list: DiffToken[], search: string | undefined, sort: 'id' | 'text'): DiffToken[] {
  let out = list
  if (search) {
    const q = search.toLowerCase()
    out = out.filter((t) => t.normalized.toLowerCase().includes(q) || t.token.toLowerCase().includes(q))
  }
  if (sort === 'text') out = [...out].sort((x, y) => (x.normalized < y.normalized ? -1 : x.normalized > y.normalized ? 1 : x.id - y.id))
  return out
}

function filterRemap(rows: RemapRow[], search: string | undefined): RemapRow[] {
  if (!search) return rows
  const q = search.toLowerCase()
  return rows.filter((r) => r.normalized.toLowerCase().includes(q) || r.aToken.toLowerCase().includes(q) || r.bToken.toLowerCase().includes(q))
}

function page(list: DiffToken[], offset: number, limit: number): DiffList {
  return { total: list.length, offset, items: list.slice(offset, offset + limit) }
}

function specialSet(l: LoadedTokenizer): Set<string> {
  const s = new Set<string>()
  for (const t of l.meta.addedTokens) if (t.special) s.add(t.content)
  const st = l.meta.specialTokens
  for (const v of Object.values(st.roles)) if (typeof v === 'string') s.add(v)
  for (const v of st.additional) s.add(v)
  for (const v of Object.values(st.extra)) s.add(v)
  return s
}

/**
 * Compares two vocabularies: sizes, overlap and Jaccard over normalized token strings (see
 * VocabNormalization), tokens only in A / only in B (searchable, paginated), special and added
 * tokens, normalizer / pre-tokenizer / post-processor / decoder / model differences, and the id
 * remap table of shared tokens.
 */
export async function vocabDiff(opts: VocabDiffOptions): Promise<VocabDiffResult> {
  const how = opts.normalization ?? 'readable'
  const d = await fullDiff(opts)
  const offset = Math.max(0, Math.floor(opts.offset ?? 0))
  const limit = Math.min(MAX_LIST_LIMIT, Math.max(0, Math.floor(opts.limit ?? DEFAULT_LIST_LIMIT)))
  const remapLimit = Math.min(MAX_LIST_LIMIT, Math.max(0, Math.floor(opts.remapLimit ?? DEFAULT_REMAP_LIMIT)))
  const remapOffset = Math.max(0, Math.floor(opts.remapOffset ?? 0))
  const remapRows = filterRemap(d.shared, opts.search)
  const sort = opts.sort ?? 'id'
  const union = d.va.byText.size + d.vb.byText.size - d.shared.length
  const sa = specialSet(d.la)
  const sb = specialSet(d.lb)
  let sameId = 0
  for (const r of d.shared) if (r.aId === r.bId) sameId++
  const sections = (['model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const).map((name) => diffSection(name, d.la.meta.sections[name], d.lb.meta.sections[name]))
  return {
    a: side(d.la, d.va),
    b: side(d.lb, d.vb),
    normalization: { name: how, description: NORMALIZATION_DESCRIPTIONS[how] },
    shared: d.shared.length,
    onlyA: d.onlyA.length,
    onlyB: d.onlyB.length,
    union,
    jaccard: union > 0 ? d.shared.length / union : 1,
    onlyInA: page(filterList(d.onlyA, opts.search, sort), offset, limit),
    onlyInB: page(filterList(d.onlyB, opts.search, sort), offset, limit),
    special: { both: [...sa].filter((t) => sb.has(t)), onlyA: [...sa].filter((t) => !sb.has(t)), onlyB: [...sb].filter((t) => !sa.has(t)) },
    sections,
    remap: { total: remapRows.length, offset: remapOffset, sameId, items: remapRows.slice(remapOffset, remapOffset + remapLimit), truncated: remapRows.length > remapOffset + remapLimit },
  }
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or edge whitespace. */
export function csvField(v: string | number): string {
  const s = String(v)
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** compare.vocabCsv's params, with the two sides as paths or loaded tokenizers. */
export interface VocabDiffCsvOptions extends Omit<CompareVocabCsvParams, 'a' | 'b'> {
  a: TokenizerRef
  b: TokenizerRef
}

/**
 * The full list (no page limit) as CSV text with a header row: `id,token,normalized` for the
 * only-in lists, `normalized,a_id,a_token,b_id,b_token` for shared tokens. Token strings are
 * written exactly (no spreadsheet-formula escaping), UTF-8, CRLF line ends (RFC 4180).
 */
export async function vocabDiffCsv(opts: VocabDiffCsvOptions): Promise<string> {
  const d = await fullDiff(opts)
  const lines: string[] = []
  if (opts.list === 'shared') {
    lines.push('normalized,a_id,a_token,b_id,b_token')
    for (const r of filterRemap(d.shared, opts.search)) lines.push([csvField(r.normalized), r.aId, csvField(r.aToken), r.bId, csvField(r.bToken)].join(','))
  } else if (opts.list === 'only-a' || opts.list === 'only-b') {
    lines.push('id,token,normalized')
    for (const t of filterList(opts.list === 'only-a' ? d.onlyA : d.onlyB, opts.search, opts.sort ?? 'id')) lines.push([t.id, csvField(t.token), csvField(t.normalized)].join(','))
  } else {
    throw new GraftError('BAD_REQUEST', `Unknown list "${String(opts.list)}"; use only-a, only-b or shared.`)
  }
  return lines.join('\r\n') + '\r\n'
}

// ——— pipeline sections ———

function canonical(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (isJsonObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`
  return JSON.stringify(v)
}

function diffPaths(a: JsonValue, b: JsonValue, path: string, out: string[]): void {
  if (canonical(a) === canonical(b)) return
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path || '(root)'} (${a.length} vs ${b.length} items)`)
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffPaths(a[i], b[i], `${path}[${i}]`, out)
    return
  }
  if (isJsonObject(a) && isJsonObject(b) && a.type === b.type) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of [...keys].sort()) diffPaths(a[k] ?? null, b[k] ?? null, path ? `${path}.${k}` : k, out)
    return
  }
  out.push(path || '(root)')
}

const MAX_SUMMARY_VALUE = 40

/** A one-line description of a pipeline component tree. */
export function summarizeSection(v: JsonValue): string {
  if (v === null || v === undefined) return 'none'
  if (!isJsonObject(v)) return JSON.stringify(v)
  const type = typeof v.type === 'string' ? v.type : 'unknown'
  for (const key of ['normalizers', 'pretokenizers', 'decoders', 'processors']) {
    const list = v[key]
    if (Array.isArray(list)) return `${type}(${list.map(summarizeSection).join(', ')})`
  }
  const params: string[] = []
  for (const k of Object.keys(v)) {
    if (k === 'type') continue
    const x = v[k]
    if (k === 'pattern' && isJsonObject(x)) {
      if (typeof x.String === 'string') params.push(`${k}=${clip(JSON.stringify(x.String))}`)
      else if (typeof x.Regex === 'string') params.push(`${k}=/${clip(x.Regex)}/`)
      continue
    }
    if (x === null || typeof x === 'boolean' || typeof x === 'number') params.push(`${k}=${String(x)}`)
    else if (typeof x === 'string') params.push(`${k}=${clip(JSON.stringify(x))}`)
    else if (Array.isArray(x)) params.push(`${k}=[${x.length}]`)
    else params.push(`${k}={…}`)
  }
  return `${type}(${params.join(', ')})`
}

function clip(s: string): string {
  return s.length > MAX_SUMMARY_VALUE ? `${s.slice(0, MAX_SUMMARY_VALUE - 1)}…` : s
}

function diffSection(section: SectionDiff['section'], a: JsonValue, b: JsonValue): SectionDiff {
  const paths: string[] = []
  diffPaths(a ?? null, b ?? null, '', paths)
  return { section, same: paths.length === 0, a: summarizeSection(a), b: summarizeSection(b), paths: paths.slice(0, MAX_SECTION_PATHS), pathCount: paths.length, aJson: a, bJson: b }
}
