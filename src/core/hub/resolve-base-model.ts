import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { findHfCache } from '../library/find-hf-cache'

/** Where an adapter's base model can come from. */
export type BaseModelCandidate =
  | { kind: 'folder'; path: string; reason: string }
  | { kind: 'cache'; repo: string; path: string; revision: string; fromRefsMain: boolean; reason: string }
  /** Not on this machine: the UI asks the user before downloading. `guessed` when the repo id was inferred from a path. */
  | { kind: 'download'; repo: string; guessed: boolean; reason: string }

export interface ResolveBaseModelResult {
  /** The adapter's base_model_name_or_path as written. */
  name: string
  /** The repo id it names or implies, when there is one. */
  repo: string | null
  /** A choice the user made earlier for this name that is still valid. */
  remembered: BaseModelCandidate | null
  /** Best first: remembered, local folder, cache snapshot, then a download to confirm. */
  candidates: BaseModelCandidate[]
}

export interface ResolveBaseModelOptions {
  /** base_model_name_or_path from adapter_config.json. */
  name: string
  cacheDir: string
  /** The adapter's folder: relative base paths are tried against it. */
  adapterDir?: string
  /** The JSON map of remembered choices (a path the caller owns, e.g. <userData>/base-models.json). */
  choicesFile?: string
}

const REPO_ID_RE = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/
const SINGLE_NAME_RE = /^[A-Za-z0-9][\w.-]{0,95}$/

function looksLikePath(name: string): boolean {
  return isAbsolute(name) || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\\\') || name.startsWith('./') || name.startsWith('../') || name.startsWith('~') || name.includes('\\')
}

/** `org/name`, or a legacy single-segment id such as `gpt2`. */
function validRepoId(s: string): boolean {
  return (REPO_ID_RE.test(s) || SINGLE_NAME_RE.test(s)) && !s.includes('--') && !s.includes('..')
}

/**
 * The repo id a foreign path implies: a Hub cache path (`…/models--org--name/snapshots/<sha>`)
 * names it exactly; otherwise the last two folders (`…/org/name`) are a guess.
 */
export function repoFromPath(path: string): { repo: string; guessed: boolean } | null {
  const segs = path.split(/[\\/]+/).filter(Boolean)
  const cacheSeg = segs.find((s) => s.startsWith('models--'))
  if (cacheSeg) {
    const repo = cacheSeg.slice('models--'.length).split('--').join('/')
    if (validRepoId(repo)) return { repo, guessed: false }
  }
  const tail = segs.filter((s) => s !== 'snapshots' && !/^[0-9a-f]{40}$/.test(s))
  if (tail.length >= 2) {
    const repo = `${tail[tail.length - 2]}/${tail[tail.length - 1]}`
    if (REPO_ID_RE.test(repo) && validRepoId(repo)) return { repo, guessed: true }
  }
  return null
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false)
}

type Choices = Record<string, BaseModelCandidate>

async function readChoices(file: string | undefined): Promise<Choices> {
  if (!file) return {}
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as { version?: number; choices?: Choices }
    return j && j.version === 1 && j.choices && typeof j.choices === 'object' ? j.choices : {}
  } catch {
    return {}
  }
}

async function stillValid(c: BaseModelCandidate): Promise<boolean> {
  if (c.kind === 'download') return validRepoId(c.repo)
  return typeof c.path === 'string' && (await isDir(c.path))
}

/**
 * Turns an adapter's base_model_name_or_path — a repo id, or an absolute path from someone else's
 * machine — into places on this machine: a remembered choice, an existing folder, the Hugging Face
 * cache snapshot of the repo it names (refs/main, else the newest snapshot), or a download for the
 * user to confirm. Reads the disk only; never the network.
 */
export async function resolveBaseModel(opts: ResolveBaseModelOptions): Promise<ResolveBaseModelResult> {
  const name = opts.name.trim()
  const candidates: BaseModelCandidate[] = []
  const push = (c: BaseModelCandidate) => {
    const key = c.kind === 'download' ? `d:${c.repo}` : `p:${resolve(c.path)}`
    if (!candidates.some((x) => (x.kind === 'download' ? `d:${x.repo}` : `p:${resolve(x.path)}`) === key)) candidates.push(c)
  }

  const remembered = (await readChoices(opts.choicesFile))[name] ?? null
  const rememberedOk = remembered && (await stillValid(remembered)) ? remembered : null
  if (rememberedOk) push(rememberedOk)

  // A folder on this machine: the path as written, or relative to the adapter.
  if (name && looksLikePath(name)) {
    if (await isDir(name)) push({ kind: 'folder', path: resolve(name), reason: 'the path in adapter_config.json exists on this machine' })
  }
  if (name && opts.adapterDir && !isAbsolute(name) && !/^[A-Za-z]:[\\/]/.test(name)) {
    const rel = resolve(opts.adapterDir, name)
    if (await isDir(rel)) push({ kind: 'folder', path: rel, reason: 'the path exists relative to the adapter folder' })
  }

  let repo: string | null = null
  let guessed = false
  if (validRepoId(name) && !looksLikePath(name)) repo = name
  else if (name) {
    const r = repoFromPath(name)
    if (r) ({ repo, guessed } = r)
  }

  // The Hub cache: the exact repo first, then repos whose name matches the path's last folder.
  const cache = await findHfCache({ dir: opts.cacheDir })
  if (repo) {
    const hit = cache.repos.find((r) => r.repoId === repo)
    if (hit) push({ kind: 'cache', repo: hit.repoId, path: hit.snapshotDir, revision: hit.revision, fromRefsMain: hit.fromRefsMain, reason: hit.fromRefsMain ? 'in the Hugging Face cache (refs/main)' : 'in the Hugging Face cache (newest snapshot)' })
  }
  const last = name.split(/[\\/]+/).filter(Boolean).pop()?.toLowerCase()
  if (last && looksLikePath(name)) {
    for (const r of cache.repos) {
      if (r.repoId.split('/').pop()?.toLowerCase() === last && r.repoId !== repo) {
        push({ kind: 'cache', repo: r.repoId, path: r.snapshotDir, revision: r.revision, fromRefsMain: r.fromRefsMain, reason: `a cached repo with the same name as the folder "${last}"` })
      }
    }
  }
  if (repo && validRepoId(repo) && !candidates.some((c) => c.kind === 'cache' && c.repo === repo)) {
    push({ kind: 'download', repo, guessed, reason: guessed ? `guessed from the path's last two folders; confirm before downloading` : 'not on this machine; download it from the Hub' })
  }
  return { name, repo, remembered: rememberedOk, candidates }
}

/** Remembers which base the user picked for an adapter's base_model_name_or_path (atomic JSON write). */
export async function rememberBaseModelChoice(opts: { choicesFile: string; name: string; choice: BaseModelCandidate | null }): Promise<void> {
  const choices = await readChoices(opts.choicesFile)
  if (opts.choice) choices[opts.name.trim()] = opts.choice
  else delete choices[opts.name.trim()]
  await mkdir(dirname(opts.choicesFile), { recursive: true })
  const tmp = `${opts.choicesFile}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify({ version: 1, choices }, null, 2) + '\n')
  await rename(tmp, opts.choicesFile)
}
