import { describe, expect, it } from 'vitest'
import { jobTitle } from './job-title'

describe('jobTitle', () => {
  it('words a merge as its plan does (base, then output), with a real plural', () => {
    expect(jobTitle({ kind: 'merge', params: { base: '/m/base', adapters: [{ dir: '/m/a' }], out: '/m/out' } })).toBe('Merge 1 adapter into /m/base → /m/out')
    expect(jobTitle({ kind: 'merge', params: { base: '/m/base', adapters: [{ dir: '/m/a' }, { dir: '/m/b' }], out: '/m/out' } })).toBe('Merge 2 adapters into /m/base → /m/out')
  })
  it('names the base tokens are added to', () => {
    expect(jobTitle({ kind: 'tokens-add', params: { base: '/m/base', out: '/m/out', tokens: [{ content: '<x>', special: true }], init: 'mean' } })).toBe('Add 1 token to /m/base → /m/out')
  })
})
