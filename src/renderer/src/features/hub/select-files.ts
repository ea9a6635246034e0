import type { HubFileEntry } from '../../../../shared/api'

/**
 * The files a download takes unless the user changes the selection: weights, configs, tokenizer
 * and model-card files. The same list as src/core/hub/select-files.ts DEFAULT_INCLUDE (the
 * renderer cannot import core), matched against the file name in any folder as fnmatch does.
 */
const DEFAULT_SUFFIXES = ['.safetensors', '.json', '.jinja', '.tiktoken', '.model', '.txt']
const DEFAULT_NAMES = ['tokenizer.model', 'README.md']

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** True for files Graft downloads by default; pickles and unsafe names never are. */
export function selectedByDefault(f: HubFileEntry): boolean {
  if (f.pickle || f.unsafe) return false
  const name = baseName(f.path)
  return DEFAULT_NAMES.includes(name) || DEFAULT_SUFFIXES.some((s) => name.endsWith(s))
}

/** An exact file name as an fnmatch pattern: `[`, `*` and `?` become one-character classes. */
export function escapeGlob(path: string): string {
  return path.replace(/[[*?]/g, (c) => `[${c}]`)
}

export interface DownloadChoice {
  /** undefined: the default selection (the app's own patterns). */
  include?: string[]
  allowPickles: boolean
  /**
   * Files that are not ticked but will come too: an exact name without a folder matches that file
   * name in every folder (fnmatch, as Python's allow_patterns).
   */
  alsoMatched: string[]
}

/** Turns the ticked files into the hub-download job's include patterns. */
export function downloadChoice(files: HubFileEntry[], selected: Set<string>): DownloadChoice {
  const picked = files.filter((f) => selected.has(f.path))
  const defaults = files.filter(selectedByDefault)
  const isDefault = picked.length === defaults.length && defaults.every((f) => selected.has(f.path))
  const allowPickles = picked.some((f) => f.pickle)
  if (isDefault) return { allowPickles, alsoMatched: [] }
  const rootNames = new Set(picked.filter((f) => !f.path.includes('/')).map((f) => f.path))
  const alsoMatched = files.filter((f) => !selected.has(f.path) && f.path.includes('/') && rootNames.has(baseName(f.path)) && (allowPickles || !f.pickle)).map((f) => f.path)
  return { include: picked.map((f) => escapeGlob(f.path)), allowPickles, alsoMatched }
}
