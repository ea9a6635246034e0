import { useState, type FormEvent } from 'react'
import type { HubStatus } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'
import { HubErrorNote } from './hub-error'
import { setHubStatus, useHubStatus } from './hub-status'

const SOURCE_LABEL: Record<NonNullable<HubStatus['tokenSource']>, string> = {
  app: 'the token entered here',
  env: 'HF_TOKEN',
  file: 'the token file of `hf auth login`',
}

/** Turns the offline switch on or off and publishes the new status. */
export async function setOffline(offline: boolean): Promise<void> {
  setHubStatus(await call('hub.setOffline', { offline }))
}

/** Sign in with a token (never shown again, never logged), sign out, and the offline switch. */
export function HubAccount({ mode }: { mode: 'electron' | 'web' | null }) {
  const { status, error: statusError, loading, check } = useHubStatus()
  const [token, setToken] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorInfo | null>(null)
  /** The switch shows the new position at once, until the app confirms it. */
  const [pendingOffline, setPendingOffline] = useState<boolean | null>(null)

  const run = async (f: () => Promise<HubStatus>) => {
    setBusy(true)
    setError(null)
    try {
      setHubStatus(await f())
      return true
    } catch (e) {
      setError(errorInfoOf(e))
      return false
    } finally {
      setBusy(false)
    }
  }

  const signIn = async (e: FormEvent) => {
    e.preventDefault()
    const t = token.trim()
    if (!t) return
    // The field is cleared whatever happens: the token is not kept in the page.
    setToken('')
    await run(() => call('hub.setToken', { token: t }))
  }

  const switchOffline = async (offline: boolean) => {
    setBusy(true)
    setError(null)
    setPendingOffline(offline)
    try {
      await setOffline(offline)
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setPendingOffline(null)
      setBusy(false)
    }
  }

  const s = status
  const storageNote =
    s?.tokenStorage === 'encrypted'
      ? 'A token entered here is saved encrypted with the system keychain.'
      : mode === 'web'
        ? 'Web mode keeps a token entered here in memory for this session only: it is forgotten when Graft stops, and never written to disk.'
        : 'This system offers no keychain encryption, so a token entered here is kept in memory for this session only (never written in plain text).'

  return (
    <section className="hub-card hub-account" aria-labelledby="hub-account-title">
      <h2 id="hub-account-title">Account &amp; network</h2>
      {statusError ? <HubErrorNote error={statusError} /> : null}
      {s ? (
        <>
          <div className="hub-who" role="status" aria-live="polite">
            {s.signedIn ? (
              <p>
                Signed in as <strong className="hub-user">{s.signedIn}</strong> <span className="subtle">(with {SOURCE_LABEL[s.tokenSource ?? 'app']})</span>
              </p>
            ) : s.hasToken ? (
              s.offline ? (
                <p>A token is set ({SOURCE_LABEL[s.tokenSource ?? 'app']}); Graft checks it when it is online again.</p>
              ) : (
                <p>A token is set ({SOURCE_LABEL[s.tokenSource ?? 'app']}) but the Hub did not accept it.</p>
              )
            ) : (
              <p>Not signed in. Public models need no token; private and gated models and publishing do.</p>
            )}
            {s.identityError ? <HubErrorNote error={s.identityError} /> : null}
          </div>
          <div className="hub-account-row">
            <form className="hub-token-form" onSubmit={(e) => void signIn(e)} aria-label="Sign in to the Hugging Face Hub">
              <label htmlFor="hub-token">Access token</label>
              <input
                id="hub-token"
                type="password"
                autoComplete="off"
                spellCheck={false}
                placeholder="hf_…"
                value={token}
                onChange={(e) => setToken(e.target.value)}
                aria-describedby="hub-token-note"
              />
              <button type="submit" className="btn primary" disabled={busy || token.trim() === ''}>
                {s.tokenSource === 'app' ? 'Replace token' : 'Sign in'}
              </button>
              {s.tokenSource === 'app' ? (
                <button type="button" className="btn" disabled={busy} onClick={() => void run(() => call('hub.clearToken', {}))}>
                  Sign out
                </button>
              ) : null}
            </form>
          </div>
          <p id="hub-token-note" className="subtle hub-note">
            {storageNote}
            {s.tokenSource === 'env' || s.tokenSource === 'file' ? ` Graft is using ${SOURCE_LABEL[s.tokenSource]}; a token entered here takes precedence, and signing out returns to it.` : ''}
          </p>
          <div className="hub-offline">
            <label className="switch">
              <input type="checkbox" role="switch" checked={pendingOffline ?? s.offline} disabled={s.offlineForced} aria-busy={pendingOffline !== null} aria-describedby="hub-offline-note" onChange={(e) => void switchOffline(e.target.checked)} />
              <span>Offline mode</span>
            </label>
            <p id="hub-offline-note" className={s.offlineForced ? 'hub-note warn' : 'subtle hub-note'}>
              {s.offlineForced
                ? 'HF_HUB_OFFLINE is set in the environment, so Graft stays offline: it makes no network request. Unset it and restart Graft to use the Hub.'
                : s.offline
                  ? 'Graft makes no network request: search and downloads are off; models already on this machine still work.'
                  : 'Graft contacts the Hub only when you search, open a model, download or publish.'}
            </p>
          </div>
          <p className="subtle hub-note">
            Hub <span className="mono">{s.endpoint}</span> · cache <span className="mono">{s.cacheDir}</span>
            {' · '}
            <button type="button" className="link" disabled={loading} onClick={() => void check()}>
              {loading ? 'Checking…' : 'Check again'}
            </button>
          </p>
          {s.reachable ? <Reachability r={s.reachable} offline={s.offline} /> : null}
        </>
      ) : !statusError ? (
        <p className="subtle">Checking…</p>
      ) : null}
      {error ? <HubErrorNote error={error} /> : null}
    </section>
  )
}

/** The visible answer of "Check again": reachable or not, and when. */
function Reachability({ r, offline }: { r: NonNullable<HubStatus['reachable']>; offline: boolean }) {
  const at = new Date(r.checkedAt).toLocaleTimeString()
  return (
    <p className={r.ok ? 'hub-reach ok' : 'hub-reach bad'} role="status" aria-live="polite">
      {r.ok ? (
        <>✓ The Hub answered · checked at {at}</>
      ) : offline ? (
        <>Offline: Graft did not contact the Hub · checked at {at}</>
      ) : (
        <>
          ✗ The Hub is not reachable: {(r.error?.message ?? 'no answer').replace(/\.$/, '')} · checked at {at}
        </>
      )}
    </p>
  )
}
