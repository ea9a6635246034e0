/**
 * Words, for fertility (tokens per word) and the share of words split into several tokens.
 *
 * The definition, chosen to be simple, language-neutral and reproducible in a few lines:
 */
export const WORD_DEFINITION =
  'Text is cut at Unicode whitespace (the White_Space property). In each remaining run, every Han, Hiragana and Katakana character ' +
  '(Unicode Script property) is a word by itself, because Chinese and Japanese do not put spaces between words; each maximal run of ' +
  'other characters is one word, punctuation and emoji included ("dog," is one word, "学习。" is three: 学, 习, 。). ' +
  'Scripts such as Thai, Lao, Khmer and Myanmar, written without spaces, come out as long "words", so their fertility is not comparable ' +
  'across languages.'

const WHITE_SPACE_RE = /\p{White_Space}/u
const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u

const OTHER = 0
const SPACE = 1
const CJK = 2

/** Character class per BMP code unit, filled on first use (65,536 regex tests, a few ms). */
let bmpClass: Uint8Array | null = null

function classOf(cp: number): number {
  if (cp < 0x10000) {
    if (!bmpClass) {
      bmpClass = new Uint8Array(0x10000)
      for (let c = 0; c < 0x10000; c++) {
        if (c >= 0xd800 && c <= 0xdfff) continue
        const s = String.fromCharCode(c)
        bmpClass[c] = WHITE_SPACE_RE.test(s) ? SPACE : CJK_RE.test(s) ? CJK : OTHER
      }
    }
    return bmpClass[cp]
  }
  // Astral: CJK extensions B–I (U+20000–U+323AF), Hiragana/Katakana supplements; no whitespace.
  if (cp >= 0x1b000 && cp <= 0x1b16f) return CJK_RE.test(String.fromCodePoint(cp)) ? CJK : OTHER
  if (cp >= 0x20000 && cp <= 0x3ffff) return CJK_RE.test(String.fromCodePoint(cp)) ? CJK : OTHER
  return OTHER
}

/**
 * The words of a text as [start, end) code-point spans, flattened: `[s0, e0, s1, e1, …]`.
 * `out` is reused when large enough.
 */
export function findWords(text: string, out?: Uint32Array): { spans: Uint32Array; count: number } {
  let spans = out && out.length >= 16 ? out : new Uint32Array(Math.max(16, text.length + 2))
  let count = 0
  let cp = 0
  let wordStart = -1
  const push = (s: number, e: number): void => {
    if (count * 2 + 2 > spans.length) {
      const bigger = new Uint32Array(spans.length * 2)
      bigger.set(spans)
      spans = bigger
    }
    spans[count * 2] = s
    spans[count * 2 + 1] = e
    count++
  }
  const n = text.length
  for (let i = 0; i < n; i++, cp++) {
    let c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      }
    }
    const k = classOf(c)
    if (k === OTHER) {
      if (wordStart < 0) wordStart = cp
      continue
    }
    if (wordStart >= 0) {
      push(wordStart, cp)
      wordStart = -1
    }
    if (k === CJK) push(cp, cp + 1)
  }
  if (wordStart >= 0) push(wordStart, cp)
  return { spans, count }
}

/** Number of words in a text (see WORD_DEFINITION). */
export function countWords(text: string): number {
  return findWords(text).count
}
