/** Where the page keeps web mode's token: per tab and per origin (port included), gone when the tab closes. */
export const TOKEN_STORAGE_KEY = 'graft.token'

/** What the page was opened with: the token itself (printed link), a one-time launch code (the browser Graft opened), or nothing. */
export type WebCredential = { token: string } | { launch: string } | null

/**
 * Reads #token=… or #launch=… from the address, remembers a token in sessionStorage, and removes
 * the fragment from the address bar and history (history.replaceState) at once. Without a fragment
 * it returns the token this tab stored before (a reload), if any.
 */
export function takeWebCredential(loc: Pick<Location, 'hash' | 'pathname' | 'search'>, hist: Pick<History, 'replaceState' | 'state'>, storage: Pick<Storage, 'getItem' | 'setItem'>): WebCredential {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''))
  const token = params.get('token')
  const launch = params.get('launch')
  if (token || launch) hist.replaceState(hist.state, '', loc.pathname + loc.search)
  if (token) {
    storage.setItem(TOKEN_STORAGE_KEY, token)
    return { token }
  }
  if (launch) return { launch }
  const kept = storage.getItem(TOKEN_STORAGE_KEY)
  return kept ? { token: kept } : null
}

/** Trades a launch code for the token (POST /launch, once); null when the code was used or expired. */
export async function redeemLaunchCode(code: string, storage: Pick<Storage, 'setItem'>): Promise<string | null> {
  try {
    const res = await fetch('/launch', { method: 'POST', headers: { 'X-Graft-Launch': code }, cache: 'no-store' })
    if (!res.ok) return null
    const { token } = (await res.json()) as { token?: unknown }
    if (typeof token !== 'string') return null
    storage.setItem(TOKEN_STORAGE_KEY, token)
    return token
  } catch {
    return null
  }
}
