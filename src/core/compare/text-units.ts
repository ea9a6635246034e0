/**
 * Text-unit helpers for the comparison views.
 *
 * The tokenizers library reports offsets in Unicode code points; JavaScript strings index UTF-16
 * code units (an emoji such as 😀 is one code point but two units). These helpers convert between
 * the two, check UTF-8 byte runs, and make whitespace visible.
 */

/**
 * For a string, the UTF-16 index of every code-point index: `table[cp]` is where code point `cp`
 * starts, and `table[cpCount]` is `text.length`. A lone surrogate counts as one code point, as it
 * does for the tokenizers library (which sees U+FFFD there).
 */
export function codePointToUtf16Table(text: string): Uint32Array {
  const table = new Uint32Array(text.length + 1)
  let cp = 0
  let i = 0
  const n = text.length
  while (i < n) {
    table[cp++] = i
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1)
      i += d >= 0xdc00 && d <= 0xdfff ? 2 : 1
    } else i++
  }
  table[cp] = n
  return table.subarray(0, cp + 1)
}

/** Number of code points in a string (what Python's `len()` and the tokenizers library count). */
export function codePointLength(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

/** UTF-8 byte length of a string, without encoding it (lone surrogates count 3, as U+FFFD). */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/**
 * Length of the well-formed UTF-8 character starting at `bytes[i]`, or 0 when the bytes there do
 * not form a complete, valid character (a lone continuation byte, a truncated or overlong
 * sequence, a surrogate, or a value above U+10FFFF).
 */
export function utf8CharLength(bytes: ArrayLike<number>, i: number): number {
  const b0 = bytes[i]
  const n = bytes.length
  if (b0 < 0x80) return 1
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < n && bytes[i + k] >= lo && bytes[i + k] <= hi
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80
    const hi = b0 === 0xed ? 0x9f : 0xbf
    return cont(1, lo, hi) && cont(2) ? 3 : 0
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80
    const hi = b0 === 0xf4 ? 0x8f : 0xbf
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0
  }
  return 0
}

/** True when the bytes are a sequence of complete, valid UTF-8 characters. */
export function isCompleteUtf8(bytes: ArrayLike<number>): boolean {
  let i = 0
  while (i < bytes.length) {
    const k = utf8CharLength(bytes, i)
    if (k === 0) return false
    i += k
  }
  return true
}

/** Keeps a leading U+FEFF: a vocabulary piece that is a BOM is still text. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true })

const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0')

/**
 * Bytes as text: complete UTF-8 characters decoded, every other byte written `<0xNN>` (the
 * SentencePiece byte-fallback spelling), so partial pieces stay readable and distinct.
 */
export function bytesToEscapedText(bytes: ArrayLike<number>): string {
  const u8 = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes as ArrayLike<number>)
  if (isCompleteUtf8(u8)) return UTF8.decode(u8)
  let out = ''
  let i = 0
  while (i < u8.length) {
    const k = utf8CharLength(u8, i)
    if (k === 0) {
      out += `<0x${hex2(u8[i])}>`
      i++
    } else {
      out += UTF8.decode(u8.subarray(i, i + k))
      i += k
    }
  }
  return out
}

/** Visible stand-ins for whitespace: space ␣, tab ⇥, newline ⏎, carriage return ␍. */
export const VISIBLE_WHITESPACE: Readonly<Record<string, string>> = { ' ': '␣', '\t': '⇥', '\n': '⏎', '\r': '␍' }

/** Replaces space, tab, newline and carriage return with their visible stand-ins. */
export function showWhitespace(text: string): string {
  return text.replace(/[ \t\n\r]/g, (c) => VISIBLE_WHITESPACE[c])
}
