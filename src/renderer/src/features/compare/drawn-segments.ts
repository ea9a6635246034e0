import type { ViewToken } from '../../../../shared/compare'
import { segments, type Segment } from './compare-lib'

/**
 * The segments a token column draws. When only the first tokens are drawn (the view's cap, or
 * before "Show all"), the text after the last drawn token is left out: drawing the rest of a
 * 200 KB paste as one "gap" made one element per space and froze the page.
 */
export function drawnSegments(text: string, drawn: ViewToken[], allDrawn: boolean): Segment[] {
  const segs = segments(text, drawn)
  if (allDrawn) return segs
  const last = segs[segs.length - 1]
  return last && last.kind === 'gap' ? segs.slice(0, -1) : segs
}
