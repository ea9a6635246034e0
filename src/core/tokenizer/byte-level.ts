/**
 * GPT-2's byte-to-character table, used by byte-level BPE vocabularies (GPT-2, Llama-3, Qwen):
 * bytes 33–126, 161–172 and 174–255 stand for themselves; the other 68 bytes, in increasing order,
 * become U+0100 + k (so space is "Ġ" and newline is "Ċ").
 */
const BYTE_TO_CHAR: string[] = (() => {
  const table: string[] = new Array(256)
  let k = 0
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)
    table[b] = String.fromCodePoint(printable ? b : 256 + k++)
  }
  return table
})()

const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]))

/** Text → the byte-level alphabet string the vocabulary uses. */
export function toByteLevel(text: string): string {
  let out = ''
  for (const b of new TextEncoder().encode(text)) out += BYTE_TO_CHAR[b]
  return out
}

/** A byte-level vocabulary string → its bytes, or null if it has a character outside the alphabet. */
export function byteLevelBytes(piece: string): Uint8Array | null {
  const bytes: number[] = []
  for (const ch of piece) {
    const b = CHAR_TO_BYTE.get(ch)
    if (b === undefined) return null
    bytes.push(b)
  }
  return Uint8Array.from(bytes)
}

/** A byte-level vocabulary string as readable text (invalid UTF-8 shows as U+FFFD). */
export function fromByteLevel(piece: string): string | null {
  const bytes = byteLevelBytes(piece)
  return bytes === null ? null : new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes)
}
