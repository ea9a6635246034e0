import { describe, expect, it } from 'vitest'
import { isTrustedSender } from './is-trusted-sender'

describe('isTrustedSender', () => {
  const file = 'file:///opt/graft/out/renderer/index.html'
  it('accepts only the top frame of our own page', () => {
    expect(isTrustedSender({ url: file, parent: null }, file)).toBe(true)
    expect(isTrustedSender({ url: `${file}?x=1#jobs`, parent: null }, file)).toBe(true)
    expect(isTrustedSender({ url: file, parent: {} }, file)).toBe(false)
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', parent: null }, file)).toBe(false)
    expect(isTrustedSender({ url: 'https://example.com/', parent: null }, file)).toBe(false)
    expect(isTrustedSender({ url: 'not a url', parent: null }, file)).toBe(false)
    expect(isTrustedSender(null, file)).toBe(false)
  })
  it('compares origins for a dev server', () => {
    expect(isTrustedSender({ url: 'http://localhost:5173/some/page', parent: null }, 'http://localhost:5173/')).toBe(true)
    expect(isTrustedSender({ url: 'http://localhost:5174/', parent: null }, 'http://localhost:5173/')).toBe(false)
  })
})
