import { MAX_TOKEN_CHARS } from '../../../../shared/vocab'
import { hasEdgeWhitespace, isBlankToken, showToken } from '../../../../shared/visible-token'

/** Longest token text the API accepts. */
export { MAX_TOKEN_CHARS }
/** Tokens one request may add. */
export const MAX_TOKENS = 10_000

/** Whitespace-only lines named one by one in the inline error (then a count). */
const BLANK_LINES_NAMED = 3

/**
 * Tokens typed one per line (or loaded from a file: lines, or a JSON array of strings). Empty
 * lines are skipped; spaces are kept, since a token may start with one. Lines of only whitespace
 * are not tokens: they are left out of `tokens` and reported as a problem naming the line (an
 * invisible token is never what anyone meant). Problems are sentences; `edged` lists tokens that
 * start or end with whitespace (allowed, but worth a warning).
 */
export function parseTokens(text: string): { tokens: string[]; problems: string[]; edged: string[] } {
  let entries: { token: string; line: number }[] | null = null
  const t = text.trim()
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t)
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) entries = (v as string[]).map((token, i) => ({ token, line: i + 1 })).filter((x) => x.token.length > 0)
    } catch {
      entries = null
    }
  }
  entries ??= text
    .split('\n')
    .map((l, i) => ({ token: l.replace(/\r$/, ''), line: i + 1 }))
    .filter((l) => l.token.length > 0)
  const blank = entries.filter((e) => isBlankToken(e.token))
  const list = entries.filter((e) => !isBlankToken(e.token)).map((e) => e.token)
  const problems: string[] = []
  if (blank.length) {
    const named = blank
      .slice(0, BLANK_LINES_NAMED)
      .map((e) => `${e.line} (“${showToken(e.token)}”)`)
      .join(', ')
    const more = blank.length > BLANK_LINES_NAMED ? ` and ${blank.length - BLANK_LINES_NAMED} more` : ''
    problems.push(`${blank.length === 1 ? 'Line' : 'Lines'} ${named}${more} ${blank.length === 1 ? 'is' : 'are'} only whitespace, which would add an invisible token. Remove ${blank.length === 1 ? 'it' : 'them'}.`)
  }
  const long = list.filter((x) => x.length > MAX_TOKEN_CHARS)
  if (long.length) problems.push(`${long.length} token(s) are longer than ${MAX_TOKEN_CHARS} characters, e.g. “${long[0].slice(0, 40)}…”.`)
  if (list.length > MAX_TOKENS) problems.push(`${list.length.toLocaleString('en-US')} tokens: add at most ${MAX_TOKENS.toLocaleString('en-US')} at a time.`)
  return { tokens: list, problems, edged: list.filter(hasEdgeWhitespace) }
}

/** A positive integer typed in a field, or null for empty, or NaN when it is not one. */
export function parsePositiveInt(s: string): number | null {
  const t = s.trim().replace(/[,_\s]/g, '')
  if (t === '') return null
  return /^\d+$/.test(t) && Number(t) > 0 && Number(t) <= 10_000_000 ? Number(t) : NaN
}
