import { describe, expect, it } from 'vitest'
import { OPERATIONS, operationTitle, readsTokenizers } from './operations'
import { jobOperation } from './job-operation'

describe('the operations registry', () => {
  it('has one entry per output-writing kind; only add-tokens planning parses tokenizers', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(['convert', 'merge', 'resize', 'tokens-add', 'untrained-fix'])
    expect(Object.entries(OPERATIONS).filter(([, op]) => op.readsTokenizers).map(([k]) => k)).toEqual(['tokens-add'])
    expect(readsTokenizers({ kind: 'merge', params: { base: '/b', adapters: [], out: '/o' } })).toBe(false)
  })

  it('maps the API’s job params onto the planners’ requests', () => {
    expect(jobOperation({ kind: 'resize', params: { base: '/b', out: '/o', init: 'mean-noise', seed: 3 } })).toEqual({ kind: 'resize', params: { base: '/b', out: '/o', init: { kind: 'mean-noise', seed: 3 } } })
    expect(jobOperation({ kind: 'resize', params: { base: '/b', out: '/o', init: { kind: 'copy-row', row: 2 } } }).params).toMatchObject({ init: { kind: 'copy-row', row: 2 } })
    expect(() => jobOperation({ kind: 'resize', params: { base: '/b', out: '/o', init: 'subtoken-mean' } })).toThrow(/add tokens/)
    expect(jobOperation({ kind: 'tokens-add', params: { base: '/b', out: '/o', tokens: [], init: 'mean-noise', roles: { pad: '<pad>' } } }).params).toMatchObject({ init: { kind: 'mean-noise', seed: 0 }, roles: { pad: '<pad>' } })
    expect(operationTitle(jobOperation({ kind: 'untrained-fix', params: { base: '/b', out: '/o' } }))).toBe('Repair untrained rows → /o')
  })
})
