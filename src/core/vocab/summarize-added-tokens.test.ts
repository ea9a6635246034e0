import { describe, expect, it } from 'vitest'
import { hasEdgeWhitespace, isBlankToken, showToken, summarizeAddedTokens } from './summarize-added-tokens'

describe('showing and summarising added tokens', () => {
  it('makes whitespace, control and zero-width characters visible', () => {
    expect(showToken(' a\tb\n\r')).toBe('␣a⇥b⏎␍')
    expect(showToken('\u00a0x\u200b\u0007')).toBe('⍽x<U+200B>␇')
    expect(showToken('<think>')).toBe('<think>')
  })
  it('tells blank tokens and tokens with edge whitespace', () => {
    expect(isBlankToken('   ')).toBe(true)
    expect(isBlankToken('\u200b\t')).toBe(true)
    expect(isBlankToken(' x ')).toBe(false)
    expect(isBlankToken('')).toBe(false)
    expect(hasEdgeWhitespace('foo ')).toBe(true)
    expect(hasEdgeWhitespace('\tfoo')).toBe(true)
    expect(hasEdgeWhitespace('fo o')).toBe(false)
  })
  it('names the first ten and counts the rest', () => {
    const added = Array.from({ length: 25 }, (_, i) => ({ content: `t${i}`, id: 100 + i, special: i === 0 }))
    expect(summarizeAddedTokens(added)).toBe('t0=100 (special), t1=101, t2=102, t3=103, t4=104, t5=105, t6=106, t7=107, t8=108, t9=109, … and 15 more (ids up to 124)')
    expect(summarizeAddedTokens([{ content: 'a ', id: 5 }])).toBe('a␣=5')
  })
})
