import { describe, expect, it } from 'vitest'
import { TOKEN_STORAGE_KEY, takeWebCredential } from './web-token'

function fakes(hash: string, stored: string | null = null) {
  const store = new Map<string, string>(stored ? [[TOKEN_STORAGE_KEY, stored]] : [])
  const replaced: string[] = []
  return {
    loc: { hash, pathname: '/', search: '' },
    hist: { state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) },
    storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
    store,
    replaced,
  }
}

describe('takeWebCredential', () => {
  it('takes #token=, keeps it for this tab and clears the address bar', () => {
    const f = fakes('#token=abc')
    expect(takeWebCredential(f.loc, f.hist, f.storage)).toEqual({ token: 'abc' })
    expect(f.store.get(TOKEN_STORAGE_KEY)).toBe('abc')
    expect(f.replaced).toEqual(['/'])
  })
  it('a new link wins over the token this tab kept (after a restart)', () => {
    const f = fakes('#token=new', 'old')
    expect(takeWebCredential(f.loc, f.hist, f.storage)).toEqual({ token: 'new' })
    expect(f.store.get(TOKEN_STORAGE_KEY)).toBe('new')
  })
  it('takes #launch= without storing it, and clears the address bar', () => {
    const f = fakes('#launch=c0de')
    expect(takeWebCredential(f.loc, f.hist, f.storage)).toEqual({ launch: 'c0de' })
    expect(f.store.size).toBe(0)
    expect(f.replaced).toEqual(['/'])
  })
  it('falls back to the kept token on a reload, and to nothing', () => {
    const kept = fakes('', 'abc')
    expect(takeWebCredential(kept.loc, kept.hist, kept.storage)).toEqual({ token: 'abc' })
    expect(kept.replaced).toEqual([])
    const none = fakes('')
    expect(takeWebCredential(none.loc, none.hist, none.storage)).toBeNull()
  })
})
