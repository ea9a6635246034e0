import type { LibraryEntry } from '../../../shared/api'

/** The short label a Library row shows for an entry that could not be used. */
export function entryProblem(e: LibraryEntry): 'incomplete download' | 'no model' | 'unreadable' {
  if (e.incomplete) return 'incomplete download'
  // A folder that reads fine but holds nothing Graft knows is empty for Graft, not unreadable.
  if (e.error?.code === 'NOT_A_MODEL') return 'no model'
  return 'unreadable'
}
