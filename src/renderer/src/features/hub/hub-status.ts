import { useEffect, useSyncExternalStore } from 'react'
import type { HubStatus } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'

/**
 * One Hub status for the whole UI (the Hub screen, Publish and Find-base-model in the Library),
 * so signing in or switching offline shows everywhere at once. It never holds the token.
 */
interface State {
  status: HubStatus | null
  error: ErrorInfo | null
  loading: boolean
}

let state: State = { status: null, error: null, loading: false }
let inFlight: Promise<void> | null = null
const listeners = new Set<() => void>()

function set(next: Partial<State>): void {
  state = { ...state, ...next }
  for (const l of listeners) l()
}

/** Replaces the status with the answer of hub.setToken / clearToken / setOffline. */
export function setHubStatus(status: HubStatus): void {
  set({ status, error: null })
}

/** Asks the app for the status again (whoami runs only when online and a token is set); with check, also whether the Hub answers. */
export function refreshHubStatus(opts: { check?: boolean } = {}): Promise<void> {
  inFlight ??= (async () => {
    set({ loading: true })
    try {
      set({ status: await call('hub.status', opts.check ? { check: true } : {}), error: null })
    } catch (e) {
      set({ error: errorInfoOf(e) })
    } finally {
      set({ loading: false })
      inFlight = null
    }
  })()
  return inFlight
}

function subscribe(l: () => void): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

/** The Hub status as far as the UI knows it, without asking the app (the sidebar's Offline label). */
export function useKnownHubStatus(): HubStatus | null {
  return useSyncExternalStore(subscribe, () => state).status
}

export function useHubStatus(): State & { refresh: () => Promise<void>; check: () => Promise<void> } {
  const snap = useSyncExternalStore(subscribe, () => state)
  useEffect(() => {
    if (!state.status && !inFlight) void refreshHubStatus()
  }, [])
  return { ...snap, refresh: () => refreshHubStatus(), check: () => refreshHubStatus({ check: true }) }
}
