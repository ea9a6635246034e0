/** Independent reference computations for the comparison tests (deliberately not using src/core/compare). */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A tiny WordLevel tokenizer (Whitespace pre-tokenizer, [UNK] for anything else): fast to load,
 * and the only fixture that produces unknown tokens. Written as `tiny.json` (a loose file) and as
 * a folder with tokenizer.json.
 */
export function writeTinyTokenizer(dir: string): { file: string; folder: string } {
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: { '[UNK]': 0, hello: 1, world: 2, abc: 3, '.': 4, '你': 5 }, unk_token: '[UNK]' },
  }
  mkdirSync(join(dir, 'tiny'), { recursive: true })
  const file = join(dir, 'tiny.json')
  writeFileSync(file, JSON.stringify(json))
  writeFileSync(join(dir, 'tiny', 'tokenizer.json'), JSON.stringify(json))
  return { file, folder: join(dir, 'tiny') }
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u

/**
 * Words as documented in WORD_DEFINITION, computed another way: whitespace split, then each
 * Han/Hiragana/Katakana character alone and runs of anything else. Returns [start, end) in code points.
 */
export function referenceWords(text: string): [number, number][] {
  const chars = [...text]
  const out: [number, number][] = []
  let start = -1
  chars.forEach((ch, i) => {
    const space = /^\p{White_Space}$/u.test(ch)
    const cjk = CJK.test(ch)
    if ((space || cjk) && start >= 0) {
      out.push([start, i])
      start = -1
    }
    if (cjk) out.push([i, i + 1])
    else if (!space && start < 0) start = i
  })
  if (start >= 0) out.push([start, chars.length])
  return out
}

/** Words touched by more than one token with a non-empty span (O(words × tokens), fine for short texts). */
export function referenceSplitWords(words: [number, number][], offsets: [number, number][]): number {
  return words.filter(([ws, we]) => offsets.filter(([s, e]) => e > s && s < we && e > ws).length > 1).length
}

/** UTF-16 index of a code-point index, computed from the spread string. */
export function utf16Index(text: string, cp: number): number {
  return [...text].slice(0, cp).join('').length
}

/** True when the bytes decode as UTF-8 with no error. */
export function validUtf8(bytes: number[] | Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))
    return true
  } catch {
    return false
  }
}

/** A minimal RFC 4180 reader: rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
        continue
      }
      if (c === '"') {
        quoted = false
        i++
        continue
      }
      field += c
      i++
      continue
    }
    if (c === '"') {
      quoted = true
      i++
    } else if (c === ',') {
      row.push(field)
      field = ''
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i += 2
    } else {
      field += c
      i++
    }
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}
