import { describe, expect, it } from 'vitest'
import { explainCount } from './explain-count'
import { parsePositiveInt } from './parse-tokens'

describe('explainCount', () => {
  it('states the real limit for a huge number', () => {
    expect(explainCount('New size', '1000000000000')).toBe('New size: 1,000,000,000,000 is more than Graft takes (at most 10,000,000).')
  })
  it('tells negative, non-numeric and zero apart', () => {
    expect(explainCount('New size', '-1')).toContain('-1 is negative')
    expect(explainCount('New size', 'abc')).toContain('“abc” is not a whole number')
    expect(explainCount('New size', '0')).toBe('New size: type a number from 1 to 10,000,000.')
    expect(explainCount('New size', '')).toBe('New size: type a number.')
  })
  it('accepts exactly what parsePositiveInt accepts', () => {
    for (const s of ['1', '32,064', '10000000', '10000001', '0', '-3', '1.5', 'x']) expect(explainCount('n', s) === null).toBe(!Number.isNaN(parsePositiveInt(s)) && parsePositiveInt(s) !== null)
  })
})
