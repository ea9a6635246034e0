import type { Encoding } from 'tokenizers'
import type { TokenizeViewEntry, TokenizeViewResult, ViewToken } from '../../shared/compare'
import { CancelledError, GraftError } from '../errors'
import { resolveTokenizer, type LoadedTokenizer, type TokenizerRef } from './load-tokenizer'
import { PIECE_ADDED, PIECE_BYTE_FALLBACK, PIECE_PARTIAL, PIECE_SPECIAL, PIECE_UNKNOWN, pieceBytes, pieceTable } from './piece-table'
import { bytesToEscapedText, codePointToUtf16Table, showWhitespace } from './text-units'

/** Tokens returned per tokenizer; a longer text is counted in full but listed only this far (the view can't show more usefully). */
export const MAX_VIEW_TOKENS = 20_000
/** Texts longer than this belong in corpus metrics, not the side-by-side view (about 1 MB of prose). */
export const MAX_VIEW_CHARS = 1_000_000

/** Keeps a leading U+FEFF (a BOM-like piece is still text), unlike the default decoder. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true })

export type { TokenizeViewEntry, TokenizeViewResult, ViewToken } from '../../shared/compare'

export interface TokenizeViewOptions {
  /** 1 to 4 (or more) tokenizers: paths (loaded through the cache) or loaded tokenizers. */
  tokenizers: TokenizerRef[]
  text: string
  /** Let the post-processor add BOS/EOS etc. Default false, like the metrics. */
  addSpecialTokens?: boolean
  /** List at most this many tokens per tokenizer (1 to MAX_VIEW_TOKENS; default MAX_VIEW_TOKENS); counts cover all. */
  maxTokens?: number
  /** Checked before each tokenizer: a superseded request stops there. */
  signal?: AbortSignal
  /** Receives each tokenizer's encoding and its encode time, so metrics on the same text need not encode again. */
  encodings?: { encoding: Encoding; ms: number }[]
}

/** Tokenizes one text with each tokenizer and describes every token for the side-by-side view. */
export async function tokenizeView(opts: TokenizeViewOptions): Promise<TokenizeViewResult> {
  const { text } = opts
  if (typeof text !== 'string') throw new GraftError('BAD_REQUEST', 'The text to tokenize is missing.')
  if (text.length > MAX_VIEW_CHARS) {
    throw new GraftError('BAD_REQUEST', `The text has ${text.length} characters; the side-by-side view takes at most ${MAX_VIEW_CHARS}.`, {
      hint: 'Save it as a .txt file and compare on it as a corpus (metrics only).',
    })
  }
  const addSpecialTokens = opts.addSpecialTokens ?? false
  const cpTo16 = codePointToUtf16Table(text)
  const maxTokens = Math.max(0, Math.min(MAX_VIEW_TOKENS, Math.floor(opts.maxTokens ?? MAX_VIEW_TOKENS)))
  const entries: TokenizeViewEntry[] = []
  for (const ref of opts.tokenizers) {
    if (opts.signal?.aborted) throw new CancelledError()
    const loaded = await resolveTokenizer(ref)
    const { entry, encoding } = await viewOne(loaded, text, cpTo16, addSpecialTokens, maxTokens)
    entries.push(entry)
    opts.encodings?.push({ encoding, ms: entry.timeMs })
  }
  return { characters: cpTo16.length - 1, length: text.length, addSpecialTokens, entries }
}

/** Encodes with one tokenizer and describes each token (also used by renderChat). */
export async function viewOne(loaded: LoadedTokenizer, text: string, cpTo16: Uint32Array, addSpecialTokens: boolean, maxTokens = MAX_VIEW_TOKENS): Promise<{ entry: TokenizeViewEntry; ids: number[]; encoding: Encoding }> {
  const { meta, tokenizer } = loaded
  const table = pieceTable(loaded)
  const t0 = performance.now()
  const enc = await tokenizer.encode(text, null, { addSpecialTokens })
  const timeMs = performance.now() - t0
  const ids = enc.getIds()
  const names = enc.getTokens()
  const offsets = enc.getOffsets()
  const specialMask = enc.getSpecialTokensMask()
  const cpCount = cpTo16.length - 1
  const clamp = (cp: number): number => (cp < 0 ? 0 : cp > cpCount ? cpCount : cp)
  const tokens: ViewToken[] = []
  let specialCount = 0
  let byteFallbackCount = 0
  let unknownCount = 0
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    const f = id < table.size ? table.flags[id] : 0
    const special = (f & PIECE_SPECIAL) !== 0 || specialMask[i] === 1
    const byteFallback = (f & PIECE_BYTE_FALLBACK) !== 0
    const unknown = (f & PIECE_UNKNOWN) !== 0
    if (special) specialCount++
    if (byteFallback) byteFallbackCount++
    if (unknown) unknownCount++
    if (i >= maxTokens) continue
    const token = names[i] ?? table.tokens[id] ?? ''
    const added = (f & PIECE_ADDED) !== 0
    const bytes = pieceBytes(meta, token, added)
    const partial = (f & PIECE_PARTIAL) !== 0
    const decoded = partial ? null : UTF8.decode(bytes)
    const [s, e] = offsets[i] ?? [0, 0]
    const start = clamp(s)
    const end = clamp(e)
    tokens.push({
      index: i,
      id,
      token,
      text: decoded,
      display: special ? token : showWhitespace(decoded ?? bytesToEscapedText(bytes)),
      start,
      end,
      start16: cpTo16[start],
      end16: cpTo16[end],
      bytes: Array.from(bytes),
      special,
      added,
      byteFallback,
      unknown,
    })
  }
  const roundTrip = (await tokenizer.decode(ids, true)) === text
  const entry: TokenizeViewEntry = {
    tokenizer: meta.name,
    path: meta.path,
    count: ids.length,
    tokens,
    truncated: ids.length > maxTokens,
    roundTrip,
    specialCount,
    byteFallbackCount,
    unknownCount,
    timeMs,
  }
  return { entry, ids, encoding: enc }
}
