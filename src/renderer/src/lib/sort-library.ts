import type { LibraryEntry } from '../../../shared/api'

export type LibrarySort = 'found' | 'name' | 'kind' | 'size' | 'params'

export const LIBRARY_SORTS: { value: LibrarySort; label: string }[] = [
  { value: 'found', label: 'Where found (demo, folders, HF cache)' },
  { value: 'name', label: 'Name' },
  { value: 'kind', label: 'Kind' },
  { value: 'size', label: 'Size (largest first)' },
  { value: 'params', label: 'Parameters (most first)' },
]

const KIND_ORDER: Record<LibraryEntry['kind'], number> = { model: 0, adapter: 1, tokenizer: 2 }

/**
 * The Library rows to show: those whose name, path, repo id, kind or architecture contain every
 * word of `query` (any case), in the chosen order: as the scan found them (demo, your folders,
 * the HF cache), or sorted, with unreadable folders last.
 */
export function sortLibrary(entries: LibraryEntry[], query: string, sort: LibrarySort): LibraryEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const hay = (e: LibraryEntry) => [e.name, e.path, e.repoId ?? '', e.kind, e.architecture ?? '', e.modelType ?? '', e.error ? 'unreadable' : ''].join(' ').toLowerCase()
  const shown = words.length ? entries.filter((e) => words.every((w) => hay(e).includes(w))) : [...entries]
  if (sort === 'found') return shown
  const byName = (a: LibraryEntry, b: LibraryEntry) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path)
  const cmp: Record<Exclude<LibrarySort, 'found'>, (a: LibraryEntry, b: LibraryEntry) => number> = {
    name: byName,
    kind: (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || byName(a, b),
    size: (a, b) => b.sizeBytes - a.sizeBytes || byName(a, b),
    params: (a, b) => (b.paramCount ?? -1) - (a.paramCount ?? -1) || byName(a, b),
  }
  return shown.sort((a, b) => Number(!!a.error) - Number(!!b.error) || cmp[sort](a, b))
}
