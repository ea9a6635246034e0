import { readdir, realpath, stat } from 'node:fs/promises'
import { basename, join, relative, resolve } from 'node:path'
import type { LibraryEntry } from '../../shared/api'
import { GraftError } from '../errors'
import { describeFolder, folderMarkers, type EntryOrigin } from './describe-folder'
import { explainCacheEntry } from './explain-cache-entry'
import { findHfCache } from './find-hf-cache'

/** How deep below a library folder Graft looks: enough for org/model/checkpoint-N layouts. */
export const MAX_SCAN_DEPTH = 3
/** Folders visited per root at most, so adding a home folder cannot stall the Library. */
export const MAX_SCAN_DIRS = 2000
/** Folders described at once; each reads a few small files and headers. */
const SCAN_CONCURRENCY = 8
/** Folder names never worth descending into. */
const SKIP_DIRS = new Set(['node_modules', '__pycache__', '.git', '.cache', 'blobs', '.locks', '.no_exist', 'runs', 'wandb'])

export interface ScanOptions {
  /** User folders, each scanned up to MAX_SCAN_DEPTH levels deep. */
  folders: string[]
  includeHfCache: boolean
  /** Hub cache location; found from the environment when absent. */
  hfCacheDir?: string
  env?: NodeJS.ProcessEnv
  /** The built-in demo workspace, listed first with origin 'demo'. */
  demoDir?: string
}

interface Root {
  dir: string
  origin: EntryOrigin
  repoId?: string
  /** The `models--org--name` folder of a Hub cache root. */
  repoDir?: string
  /** Levels below the root still worth scanning. */
  depth: number
  /** Report the root itself when it holds nothing (true for folders the user added). */
  reportEmpty: boolean
}

/**
 * Lists the models, adapters and tokenizers in the demo workspace, the user's folders and the
 * Hugging Face cache, in that order. Reads configs, tokenizer files and safetensors headers only.
 * A folder that cannot be read yields an entry with `error`; the scan itself never throws for one.
 */
export async function scanLibrary(opts: ScanOptions): Promise<LibraryEntry[]> {
  const roots: Root[] = []
  if (opts.demoDir) roots.push({ dir: resolve(opts.demoDir), origin: 'demo', depth: 2, reportEmpty: false })
  for (const f of opts.folders) roots.push({ dir: resolve(f), origin: 'folder', depth: MAX_SCAN_DEPTH, reportEmpty: true })
  if (opts.includeHfCache) {
    const cache = await findHfCache({ dir: opts.hfCacheDir, env: opts.env })
    for (const r of cache.repos) roots.push({ dir: r.snapshotDir, origin: 'hf-cache', repoId: r.repoId, repoDir: r.repoDir, depth: 2, reportEmpty: false })
  }
  const seen = new Set<string>()
  const out: LibraryEntry[] = []
  for (const root of roots) {
    for (const e of await scanRoot(root, seen)) out.push(e)
  }
  return out
}

async function scanRoot(root: Root, seen: Set<string>): Promise<LibraryEntry[]> {
  const rootReal = await realpath(root.dir).catch(() => null)
  if (!rootReal) {
    if (!root.reportEmpty) return []
    const e = await describeFolder({ dir: root.dir, origin: root.origin })
    return e ? [e] : []
  }
  if (seen.has(rootReal)) return []
  const found: { dir: string; depth: number }[] = []
  let visited = 0
  const walk = async (dir: string, depth: number, parentIsEntry: boolean): Promise<void> => {
    if (visited >= MAX_SCAN_DIRS) return
    visited++
    const real = await realpath(dir).catch(() => null)
    if (!real || (seen.has(real) && dir !== root.dir)) return
    seen.add(real)
    let dirents
    try {
      dirents = await readdir(dir, { withFileTypes: true })
    } catch {
      if (dir === root.dir) found.push({ dir, depth })
      return
    }
    const m = folderMarkers(dirents.map((d) => d.name))
    // Inside a model or adapter, only nested models and adapters count (not e.g. a Llama `original/` tokenizer).
    const isCandidate = m.adapter || m.config || (m.tokenizer && !parentIsEntry)
    if (isCandidate) found.push({ dir, depth })
    if (depth >= root.depth) return
    for (const d of dirents) {
      if (d.name.startsWith('.') || SKIP_DIRS.has(d.name)) continue
      let isDir = d.isDirectory()
      if (!isDir && d.isSymbolicLink()) isDir = (await stat(join(dir, d.name)).catch(() => null))?.isDirectory() ?? false
      if (isDir) await walk(join(dir, d.name), depth + 1, parentIsEntry || m.adapter || m.config)
    }
  }
  await walk(root.dir, 0, false)
  const entries = await mapLimit(found, SCAN_CONCURRENCY, async ({ dir }) => {
    const sub = relative(root.dir, dir)
    const name = root.repoId ? (sub ? `${root.repoId}/${sub}` : root.repoId) : sub ? `${basename(root.dir)}/${sub}` : basename(root.dir)
    const e = await describeFolder({ dir, origin: root.origin, repoId: root.repoId, name })
    return e && root.repoDir ? explainCacheEntry(e, root.repoDir) : e
  })
  const list = entries.filter((e): e is LibraryEntry => e !== null)
  if (list.length === 0 && root.reportEmpty) {
    const e = await describeFolder({ dir: root.dir, origin: root.origin })
    if (e) return [e]
    return [
      {
        path: root.dir,
        kind: 'model',
        origin: root.origin,
        name: basename(root.dir),
        architecture: null,
        modelType: null,
        paramCount: null,
        dtype: null,
        vocabSize: null,
        embedRows: null,
        tied: null,
        shardCount: 0,
        sizeBytes: 0,
        error: new GraftError('NOT_A_MODEL', `${root.dir} holds no model, adapter or tokenizer (looked ${MAX_SCAN_DEPTH} folders deep).`, {
          file: root.dir,
          hint: 'Add the folder that holds config.json and *.safetensors (or adapter_config.json, or tokenizer.json), or a folder above it.',
        }).toInfo(),
      },
    ]
  }
  return list
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
