import { showToken } from '../../shared/visible-token'

export { hasEdgeWhitespace, isBlankToken, showToken } from '../../shared/visible-token'

/** How many `token=id` pairs a one-line summary names before "… and N more". */
export const SUMMARY_TOKENS = 10

/**
 * `a=1, b=2, … and N more` for a list of new tokens: the first `max` with visible whitespace,
 * then a count, so 18,000 tokens make one short line instead of hundreds of kilobytes.
 */
export function summarizeAddedTokens(added: { content: string; id: number; special?: boolean }[], max = SUMMARY_TOKENS): string {
  const shown = added.slice(0, max).map((a) => `${showToken(a.content)}=${a.id}${a.special ? ' (special)' : ''}`)
  if (added.length > max) {
    const last = added[added.length - 1]
    shown.push(`… and ${added.length - max} more (ids up to ${last.id})`)
  }
  return shown.join(', ')
}
