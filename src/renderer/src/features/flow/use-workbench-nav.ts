import { useCallback, useRef, useState } from 'react'
import type { Navigate, NavRequest, NavTarget } from './nav'

export interface NavRequests {
  inspect: NavRequest<'inspect'>
  tokens: NavRequest<'tokens'>
  merge: NavRequest<'merge'>
  compare: NavRequest<'compare'>
}

/** Cross-screen navigation for Inspect, Tokens and Merge: the last request per screen, and a navigate() that shows it. */
export function useWorkbenchNav(show: (screen: NavTarget['screen']) => void): { requests: NavRequests; navigate: Navigate } {
  const [requests, setRequests] = useState<NavRequests>({ inspect: null, tokens: null, merge: null, compare: null })
  const seq = useRef(0)
  const showRef = useRef(show)
  showRef.current = show
  const navigate = useCallback<Navigate>((t) => {
    const req = { ...t, seq: ++seq.current }
    setRequests((r) => ({ ...r, [t.screen]: req }))
    showRef.current(t.screen)
  }, [])
  return { requests, navigate }
}
