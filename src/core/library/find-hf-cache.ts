import { readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readInputText } from '../exec/read-input-file'

/** One model repo in the Hugging Face cache, resolved to the snapshot Graft lists. */
export interface HfCacheRepo {
  /** `org/name` (or `name` for repos without an owner). */
  repoId: string
  /** The `models--org--name` folder. */
  repoDir: string
  /** The snapshot folder that holds the files (symlinks into blobs/). */
  snapshotDir: string
  /** The snapshot's commit sha (its folder name). */
  revision: string
  /** True when refs/main named this snapshot; false when it was the newest one on disk. */
  fromRefsMain: boolean
}

/**
 * Where the Hub cache lives, with huggingface_hub's precedence: HF_HUB_CACHE >
 * HUGGINGFACE_HUB_CACHE > $HF_HOME/hub > $XDG_CACHE_HOME/huggingface/hub > ~/.cache/huggingface/hub.
 */
export function hfCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const set = (v: string | undefined) => (v && v.trim() !== '' ? v : null)
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : p)
  const direct = set(env.HF_HUB_CACHE) ?? set(env.HUGGINGFACE_HUB_CACHE)
  if (direct) return expand(direct)
  const hfHome = set(env.HF_HOME)
  if (hfHome) return join(expand(hfHome), 'hub')
  const xdg = set(env.XDG_CACHE_HOME)
  if (xdg) return join(expand(xdg), 'huggingface', 'hub')
  return join(home, '.cache', 'huggingface', 'hub')
}

const MODEL_PREFIX = 'models--'

/** `models--org--name` -> `org/name`; null for datasets, spaces and anything else. */
export function repoIdFromFolder(folder: string): string | null {
  if (!folder.startsWith(MODEL_PREFIX) || folder.length === MODEL_PREFIX.length) return null
  return folder.slice(MODEL_PREFIX.length).split('--').join('/')
}

/**
 * Lists the model repos in a Hub cache laid out the way huggingface_hub (Python) writes it:
 * `models--org--name/{refs/main, snapshots/<sha>/...}`. Each repo resolves to the snapshot
 * refs/main names, or else to the newest snapshot folder. A missing cache is simply empty.
 */
export async function findHfCache(opts: { dir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ dir: string; repos: HfCacheRepo[] }> {
  const dir = opts.dir ?? hfCacheDir(opts.env)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return { dir, repos: [] }
  }
  const repos: HfCacheRepo[] = []
  for (const name of names.sort()) {
    const repoId = repoIdFromFolder(name)
    if (!repoId) continue
    const repoDir = join(dir, name)
    const snap = await pickSnapshot(repoDir)
    if (snap) repos.push({ repoId, repoDir, snapshotDir: join(repoDir, 'snapshots', snap.sha), revision: snap.sha, fromRefsMain: snap.fromRefsMain })
  }
  return { dir, repos }
}

async function pickSnapshot(repoDir: string): Promise<{ sha: string; fromRefsMain: boolean } | null> {
  const snapshots = join(repoDir, 'snapshots')
  const ref = await readInputText(join(repoDir, 'refs', 'main'), { maxBytes: 4096 }).then((s) => s.trim(), () => null)
  if (ref && /^[0-9a-zA-Z._-]+$/.test(ref)) {
    const s = await stat(join(snapshots, ref)).catch(() => null)
    if (s?.isDirectory()) return { sha: ref, fromRefsMain: true }
  }
  let shas: string[]
  try {
    shas = await readdir(snapshots)
  } catch {
    return null
  }
  let best: { sha: string; mtime: number } | null = null
  for (const sha of shas) {
    const s = await stat(join(snapshots, sha)).catch(() => null)
    if (!s?.isDirectory()) continue
    if (!best || s.mtimeMs > best.mtime || (s.mtimeMs === best.mtime && sha > best.sha)) best = { sha, mtime: s.mtimeMs }
  }
  return best ? { sha: best.sha, fromRefsMain: false } : null
}
