import { useEffect, useSyncExternalStore } from 'react'
import type { LibraryEntry } from '../../../../shared/api'
import { call } from '../../lib/api'

/** The Library list and the recent folders, shared by the Inspect, Tokens and Merge screens. */
export interface LibrarySnapshot {
  entries: LibraryEntry[] | null
  folders: string[]
  recent: string[]
}

let snapshot: LibrarySnapshot = { entries: null, folders: [], recent: [] }
let inflight: Promise<void> | null = null
const listeners = new Set<() => void>()

function set(next: Partial<LibrarySnapshot>): void {
  snapshot = { ...snapshot, ...next }
  for (const l of listeners) l()
}

/** Re-reads the Library and recent folders (one request at a time; errors leave the last list). */
export function refreshLibrary(): Promise<void> {
  if (inflight) return inflight
  inflight = Promise.all([
    call('library.list', {}).then((entries) => set({ entries }), () => {}),
    call('library.folders', {}).then((f) => set({ folders: f.folders, recent: f.recent }), () => {}),
  ])
    .then(() => {})
    .finally(() => {
      inflight = null
    })
  return inflight
}

/** The shared Library snapshot; refreshed whenever `active` turns true (the screen is shown). */
export function useLibrary(active = true): LibrarySnapshot {
  const snap = useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => snapshot,
  )
  useEffect(() => {
    if (active) void refreshLibrary()
  }, [active])
  return snap
}

/** Datalist suggestions: Library entries of the given kinds, by path, labelled with their names. */
export function entrySuggestions(entries: LibraryEntry[] | null, kinds: LibraryEntry['kind'][]): { value: string; label: string }[] {
  return (entries ?? []).filter((e) => !e.error && kinds.includes(e.kind)).map((e) => ({ value: e.path, label: `${e.name} · ${e.kind}` }))
}
