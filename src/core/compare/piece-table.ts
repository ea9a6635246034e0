import { byteLevelBytes } from '../tokenizer/byte-level'
import type { LoadedTokenizer, TokenizerMeta } from './load-tokenizer'
import { bytesToEscapedText, isCompleteUtf8 } from './text-units'

/** Per-id flag bits of a PieceTable. */
export const PIECE_SPECIAL = 1
/** A `<0xNN>` byte piece, or a byte-level piece whose bytes are not complete UTF-8 characters. */
export const PIECE_BYTE_FALLBACK = 2
export const PIECE_UNKNOWN = 4
/** An added token (tokenizer.json added_tokens): its content is literal text. */
export const PIECE_ADDED = 8
/** The piece's bytes are not a sequence of complete UTF-8 characters. */
export const PIECE_PARTIAL = 16

const BYTE_PIECE_RE = /^<0x([0-9A-Fa-f]{2})>$/

/** Everything per id that the views and metrics look up while counting. */
export interface PieceTable {
  /** len(tokenizer). */
  size: number
  /** Token string per id (null for an id the tokenizer does not know). */
  tokens: (string | null)[]
  flags: Uint8Array
}

const tables = new WeakMap<LoadedTokenizer, PieceTable>()

const encoder = new TextEncoder()

/**
 * The bytes a vocabulary piece stands for: byte-level pieces through the GPT-2 byte table,
 * `<0xNN>` pieces as that byte, metaspace ▁ as a space, WordPiece `##` dropped, added tokens as
 * their literal content.
 */
export function pieceBytes(meta: TokenizerMeta, token: string, added: boolean): Uint8Array {
  if (added) return encoder.encode(token)
  switch (meta.alphabet) {
    case 'byte-level':
      return byteLevelBytes(token) ?? encoder.encode(token)
    case 'metaspace': {
      if (meta.byteFallback) {
        const m = BYTE_PIECE_RE.exec(token)
        if (m) return Uint8Array.of(parseInt(m[1], 16))
      }
      return encoder.encode(meta.metaspaceChar ? token.split(meta.metaspaceChar).join(' ') : token)
    }
    case 'wordpiece':
      return encoder.encode(meta.subwordPrefix && token.startsWith(meta.subwordPrefix) ? token.slice(meta.subwordPrefix.length) : token)
    default:
      return encoder.encode(token)
  }
}

/**
 * A piece spelled as readable text, the same for every alphabet: its bytes decoded as UTF-8, with
 * bytes that do not form complete characters written `<0xNN>`. Byte-level "Ġhello" and metaspace
 * "▁hello" both become " hello"; byte-level "ð" and SentencePiece "<0xF0>" both become "<0xF0>".
 */
export function readablePiece(meta: TokenizerMeta, token: string, added: boolean): string {
  if (added) return token
  const bytes = pieceBytes(meta, token, false)
  return bytesToEscapedText(bytes)
}

/** Builds (once per loaded tokenizer) the per-id token strings and flags. */
export function pieceTable(loaded: LoadedTokenizer): PieceTable {
  const cached = tables.get(loaded)
  if (cached) return cached
  const { meta, tokenizer } = loaded
  const size = Math.max(meta.size, tokenizer.getVocabSize(true))
  const tokens: (string | null)[] = new Array(size)
  const flags = new Uint8Array(size)
  const added = new Map(meta.addedTokens.map((t) => [t.id, t]))
  for (let id = 0; id < size; id++) {
    const token = tokenizer.idToToken(id)
    tokens[id] = token
    if (token === null) continue
    const a = added.get(id)
    let f = 0
    if (a) {
      f |= PIECE_ADDED
      if (a.special) f |= PIECE_SPECIAL
    } else if (meta.alphabet === 'byte-level') {
      const bytes = byteLevelBytes(token)
      if (bytes && !isCompleteUtf8(bytes)) f |= PIECE_PARTIAL | PIECE_BYTE_FALLBACK
    } else if (meta.byteFallback && BYTE_PIECE_RE.test(token)) {
      f |= PIECE_BYTE_FALLBACK
      if (parseInt(token.slice(3, 5), 16) >= 0x80) f |= PIECE_PARTIAL
    }
    if (id === meta.unkId) f |= PIECE_UNKNOWN
    flags[id] = f
  }
  const table = { size, tokens, flags }
  tables.set(loaded, table)
  return table
}
