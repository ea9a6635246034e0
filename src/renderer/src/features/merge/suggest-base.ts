import type { HubResolveBaseResult, LibraryEntry } from '../../../../shared/api'

/** The base an adapter names, as the Merge screen offers it. */
export type BaseSuggestion =
  /** On this machine: one click fills the Base field. */
  | { name: string; path: string; where: string }
  /** Not on this machine: the Hub screen can download it. */
  | { name: string; path: null; repo: string; where: string }

/**
 * The best place for the base an adapter's base_model_name_or_path names: a choice remembered
 * from the Hub screen, a folder on this machine, the Hugging Face cache, a Library model with the
 * same repo id — or, when none is here, the repo to download. Null when the adapter names nothing.
 */
export function suggestBase(res: HubResolveBaseResult, library: LibraryEntry[] | null): BaseSuggestion | null {
  const name = res.name
  if (!name) return null
  for (const c of res.candidates) {
    if (c.kind === 'download') continue
    const where = res.remembered && res.remembered.kind !== 'download' && res.remembered.path === c.path ? 'your earlier choice' : c.kind === 'cache' ? 'found in your Hugging Face cache' : 'found on this machine'
    return { name, path: c.path, where }
  }
  const lib = (library ?? []).find((e) => !e.error && e.kind === 'model' && res.repo !== null && e.repoId === res.repo)
  if (lib) return { name, path: lib.path, where: 'found in the Library' }
  const dl = res.candidates.find((c) => c.kind === 'download')
  if (dl && dl.kind === 'download') return { name, path: null, repo: dl.repo, where: dl.guessed ? 'not on this machine (repo id guessed from the path)' : 'not on this machine' }
  return null
}
