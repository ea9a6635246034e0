import { readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { LibraryEntry } from '../../shared/api'
import type { ErrorCode } from '../../shared/errors'

/** Errors a Hub cache snapshot shows when a download stopped part way: a file link with no blob, or a short blob. */
const PARTIAL_CODES = new Set<ErrorCode>(['NOT_FOUND', 'TRUNCATED_FILE', 'MISSING_SHARD'])

/**
 * A Hub cache entry that failed to read, in the words that fit it. A snapshot whose files are
 * missing or short (or whose blobs/ holds `*.incomplete` files) is an interrupted download, not a
 * path the user typed: say so, and point to downloading it again or deleting the repo folder.
 * Other entries come back unchanged.
 */
export async function explainCacheEntry(entry: LibraryEntry, repoDir: string): Promise<LibraryEntry> {
  if (entry.origin !== 'hf-cache' || !entry.error) return entry
  const partials = await readdir(join(repoDir, 'blobs')).then(
    (names) => names.filter((n) => n.endsWith('.incomplete')).length,
    () => 0,
  )
  if (!PARTIAL_CODES.has(entry.error.code) && partials === 0) return entry
  const repo = entry.repoId ?? basename(repoDir)
  const file = entry.error.file ? basename(entry.error.file) : null
  const what = file ? `${file} is missing or cut short` : 'some files are missing or cut short'
  return {
    ...entry,
    incomplete: true,
    error: {
      ...entry.error,
      message: `The download of ${repo} did not finish: ${what}${partials ? ` (${partials} partial file${partials === 1 ? '' : 's'} in the cache)` : ''}.`,
      hint: `Download ${repo} again (it picks up the files it lacks), or delete ${repoDir} to free its space.`,
    },
  }
}
