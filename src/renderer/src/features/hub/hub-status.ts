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

/** Asks the app for the status again (whoami runs only when online and a token is set). */
export function refreshHubStatus(): Promise<void> {
  inFlight ??= (async () => {
    set({ loading: true })
    try {
      set({ status: await call('hub.status', {}), error: null })
    } catch (e) {
      set({ error: errorInfoOf(e) })
    } finally {
      set({ loading: false })
      inFlight = null
    }
  })()
  return inFlight
}

export function useHubStatus(): State & { refresh: () => Promise<void> } {
  const snap = useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => state,
  )
  useEffect(() => {
    if (!state.status && !inFlight) void refreshHubStatus()
  }, [])
  return { ...snap, refresh: refreshHubStatus }
}
