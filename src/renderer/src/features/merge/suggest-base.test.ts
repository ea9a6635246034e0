import { describe, expect, it } from 'vitest'
import type { HubResolveBaseResult, LibraryEntry } from '../../../../shared/api'
import { suggestBase } from './suggest-base'

const res = (over: Partial<HubResolveBaseResult>): HubResolveBaseResult => ({ adapterDir: '/a', name: 'org/tiny', repo: 'org/tiny', remembered: null, candidates: [], ...over })

describe('suggestBase', () => {
  it('offers the cached snapshot of the repo the adapter names', () => {
    const s = suggestBase(res({ candidates: [{ kind: 'cache', repo: 'org/tiny', path: '/hub/snap', revision: 'abc', fromRefsMain: true, reason: '' }] }), [])
    expect(s).toEqual({ name: 'org/tiny', path: '/hub/snap', where: 'found in your Hugging Face cache' })
  })
  it('says when the offer is the choice remembered earlier', () => {
    const c = { kind: 'folder' as const, path: '/m/base', reason: 'chosen by you' }
    expect(suggestBase(res({ remembered: c, candidates: [c] }), [])?.where).toBe('your earlier choice')
  })
  it('falls back to a Library model with the same repo id, then to a download', () => {
    const lib = [{ path: '/lib/tiny', kind: 'model', repoId: 'org/tiny' } as LibraryEntry]
    const dl = { kind: 'download' as const, repo: 'org/tiny', guessed: false, reason: '' }
    expect(suggestBase(res({ candidates: [dl] }), lib)).toEqual({ name: 'org/tiny', path: '/lib/tiny', where: 'found in the Library' })
    expect(suggestBase(res({ candidates: [dl] }), [])).toEqual({ name: 'org/tiny', path: null, repo: 'org/tiny', where: 'not on this machine' })
  })
  it('offers nothing when the adapter names no base', () => {
    expect(suggestBase(res({ name: '', repo: null }), [])).toBeNull()
  })
})
