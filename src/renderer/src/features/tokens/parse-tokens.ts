import { MAX_TOKEN_CHARS } from '../../../../shared/vocab'

/** Longest token text the API accepts. */
export { MAX_TOKEN_CHARS }
/** Tokens one request may add. */
export const MAX_TOKENS = 10_000

/**
 * Tokens typed one per line (or loaded from a file: lines, or a JSON array of strings). Empty
 * lines are skipped; spaces are kept, since a token may start with one. Problems are sentences.
 */
export function parseTokens(text: string): { tokens: string[]; problems: string[] } {
  let list: string[] | null = null
  const t = text.trim()
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t)
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) list = (v as string[]).filter((x) => x.length > 0)
    } catch {
      list = null
    }
  }
  list ??= text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0)
  const problems: string[] = []
  const long = list.filter((x) => x.length > MAX_TOKEN_CHARS)
  if (long.length) problems.push(`${long.length} token(s) are longer than ${MAX_TOKEN_CHARS} characters, e.g. “${long[0].slice(0, 40)}…”.`)
  if (list.length > MAX_TOKENS) problems.push(`${list.length.toLocaleString('en-US')} tokens: add at most ${MAX_TOKENS.toLocaleString('en-US')} at a time.`)
  return { tokens: list, problems }
}

/** A positive integer typed in a field, or null for empty, or NaN when it is not one. */
export function parsePositiveInt(s: string): number | null {
  const t = s.trim().replace(/[,_\s]/g, '')
  if (t === '') return null
  return /^\d+$/.test(t) && Number(t) > 0 && Number(t) <= 10_000_000 ? Number(t) : NaN
}
