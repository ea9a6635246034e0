import { describe, expect, it } from 'vitest'
import type { ViewToken } from '../../../../shared/compare'
import { drawnSegments } from './drawn-segments'

const tok = (index: number, start16: number, end16: number): ViewToken =>
  ({ index, id: index, token: 'x', text: 'x', display: 'x', start: start16, end: end16, start16, end16, bytes: [], special: false }) as unknown as ViewToken

describe('drawnSegments', () => {
  const text = 'ab cd ' + ' x'.repeat(50_000)
  const first = [tok(0, 0, 2), tok(1, 3, 5)]
  it('leaves out the undrawn rest of a long text (no element per space after the last drawn token)', () => {
    const segs = drawnSegments(text, first, false)
    expect(segs.map((s) => s.kind)).toEqual(['cluster', 'gap', 'cluster'])
    expect(segs[segs.length - 1].end16).toBe(5)
  })
  it('keeps the trailing text when every token is drawn (text the tokenizer dropped)', () => {
    const segs = drawnSegments('ab cd  ', first, true)
    expect(segs.map((s) => s.kind)).toEqual(['cluster', 'gap', 'cluster', 'gap'])
    expect(segs[3]).toMatchObject({ start16: 5, end16: 7 })
  })
})
