import { describe, expect, it } from 'vitest'
import { parsePositiveInt, parseTokens } from './parse-tokens'
import { baseName, isAbsolutePath, numberedOutput, parentDir, suggestOutput } from '../flow/paths'
import { axisNumber, niceTicks } from '../flow/chart-utils'

describe('token list parsing', () => {
  it('takes one token per line, keeps spaces, skips empty lines and CRs', () => {
    expect(parseTokens('<a>\r\n\n b\n<c> \n')).toEqual({ tokens: ['<a>', ' b', '<c> '], problems: [], edged: [' b', '<c> '] })
  })
  it('leaves whitespace-only lines out and names them with their line numbers', () => {
    const r = parseTokens('<a>\n   \n<b>\n\t\n')
    expect(r.tokens).toEqual(['<a>', '<b>'])
    expect(r.problems).toEqual(['Lines 2 (“␣␣␣”), 4 (“⇥”) are only whitespace, which would add an invisible token. Remove them.'])
    expect(parseTokens('x\n\u200b').problems[0]).toContain('Line 2 (“<U+200B>”) is only whitespace')
  })
  it('reads a JSON array of strings from a file', () => {
    expect(parseTokens(' ["<x>", "", "y"] ').tokens).toEqual(['<x>', 'y'])
    expect(parseTokens('[not json').tokens).toEqual(['[not json'])
  })
  it('reports tokens that are too long or too many', () => {
    expect(parseTokens('x'.repeat(257)).problems[0]).toMatch(/longer than 256/)
    expect(parseTokens(Array.from({ length: 10_001 }, (_, i) => `t${i}`).join('\n')).problems[0]).toMatch(/at most 10,000/)
  })
  it('parses sizes', () => {
    expect(parsePositiveInt('')).toBeNull()
    expect(parsePositiveInt('32,064')).toBe(32064)
    expect(parsePositiveInt('0')).toBeNaN()
    expect(parsePositiveInt('1.5')).toBeNaN()
    expect(parsePositiveInt('10000001')).toBeNaN()
  })
})

describe('paths and axes', () => {
  it('names outputs in the user outputs folder, and numbers fresh ones', () => {
    expect(baseName('/m/llama/')).toBe('llama')
    expect(parentDir('/m/llama')).toBe('/m')
    expect(parentDir('/llama')).toBe('/')
    expect(suggestOutput('/app/resources/demo/llama', 'merged', '/home/me/Graft/outputs')).toBe('/home/me/Graft/outputs/llama-merged')
    expect(numberedOutput('/o/llama-merged', 2)).toBe('/o/llama-merged-2')
    expect(numberedOutput('/o/llama-merged-2/', 3)).toBe('/o/llama-merged-3')
    expect(isAbsolutePath('~/x')).toBe(true)
    expect(isAbsolutePath('C:\\m')).toBe(true)
    expect(isAbsolutePath('rel/x')).toBe(false)
  })
  it('picks round ticks and short labels', () => {
    expect(niceTicks(0.72, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8])
    expect(niceTicks(0)).toEqual([0, 1])
    expect(axisNumber(0.0894)).toBe('0.0894')
    expect(axisNumber(0.00001)).toBe('1.0e-5')
  })
})
