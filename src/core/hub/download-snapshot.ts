import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat, statfs, symlink, truncate, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { HubApiError, listFiles, modelInfo } from '@huggingface/hub'
import type { JobProgress } from '../../shared/progress'
import { GraftError } from '../errors'
import { checkBlobName, checkRepoId, checkRevision, isCommitSha, resolveInside } from './check-remote-names'
import { createHubFetch, hubCredentials, type HubConfig } from './hub-config'
import { scrubToken, toHubError } from './hub-error'
import { selectFiles } from './select-files'

/** Files downloaded at once: enough to hide per-file latency, few enough not to thrash one disk. */
export const DEFAULT_CONCURRENCY = 3
export const MAX_CONCURRENCY = 4
/** Free space left untouched after a download, so the OS and other writers never hit ENOSPC. */
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024
/** Progress events are sent at least four times a second (JobProgress's contract). */
const PROGRESS_INTERVAL_MS = 250
/** Times a dropped connection is resumed (with a Range request) within one call. */
const DEFAULT_RETRIES = 2

export type StatFs = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>

export interface DownloadFileProgress {
  path: string
  bytesDone: number
  bytesTotal: number
  bytesPerSec: number
  etaSec: number | null
  state: 'queued' | 'downloading' | 'done' | 'cached'
}

/**
 * JobProgress plus per-file detail. `phase` is 'planning' while the revision and file list are
 * resolved, 'tensors' while bytes move (JobProgress has no download phase yet), then 'done';
 * `tensorsDone/tensorsTotal` count files. `stage` names the download step precisely.
 */
export interface DownloadProgress extends JobProgress {
  stage: 'resolving' | 'downloading' | 'done'
  repo: string
  sha: string | null
  files: DownloadFileProgress[]
}

export interface DownloadSnapshotOptions {
  config: HubConfig
  repo: string
  /** Branch, tag or commit sha; default main. */
  revision?: string
  /** fnmatch patterns; default: safetensors, json, tokenizer and card files (DEFAULT_INCLUDE). */
  include?: string[]
  /** Also download pickle files (*.bin, *.pt, *.pth, *.ckpt); off by default. */
  allowPickles?: boolean
  /** Files downloaded at once, 1..MAX_CONCURRENCY (default 3). */
  concurrency?: number
  /** Resumes of a dropped connection within this call (default 2); 0 leaves the partial file for a later call. */
  retries?: number
  signal?: AbortSignal
  onProgress?: (p: DownloadProgress) => void
  progressIntervalMs?: number
  /** Test hook for the disk-space check (defaults to fs.statfs). */
  statfs?: StatFs
  /** Test hook: the fetch under the offline guard. */
  fetchImpl?: typeof fetch
}

export interface DownloadedFile {
  path: string
  size: number
  /** The blob name under blobs/ (git oid or sha256). */
  blob: string
  /** snapshots/<sha>/<path>. */
  localPath: string
  state: 'downloaded' | 'resumed' | 'cached'
}

export interface DownloadSnapshotResult {
  repo: string
  revision: string
  sha: string
  snapshotDir: string
  files: DownloadedFile[]
  /** Files a pattern matched but Graft skipped (pickles), with the reason. */
  skipped: { path: string; reason: string }[]
  bytesDownloaded: number
  /** True when served from the cache without the network (offline mode). */
  fromCache: boolean
  seconds: number
}

interface BlobTask {
  blob: string
  size: number
  sha256: string | null
  gitOid: string | null
  /** First remote path, used for the URL and for display. */
  path: string
  paths: string[]
  partial: number
}

class RetryableError extends Error {}

/** `models--org--name`, as huggingface_hub names repo folders. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`
}

function human(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`
}

async function nearestExisting(path: string): Promise<string> {
  let p = path
  for (;;) {
    if (await stat(p).then(() => true, () => false)) return p
    const up = dirname(p)
    if (up === p) return p
    p = up
  }
}

async function sizeOf(path: string): Promise<number | null> {
  const s = await stat(path).catch(() => null)
  return s && s.isFile() ? s.size : null
}

async function writeAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  await writeFile(tmp, content)
  await rename(tmp, path)
}

/** snapshots/<sha>/<path> -> ../../blobs/<blob> as a relative symlink; a copy where symlinks fail. */
async function linkIntoSnapshot(blobPath: string, linkPath: string): Promise<void> {
  await mkdir(dirname(linkPath), { recursive: true })
  if (await lstat(linkPath).then(() => true, () => false)) await unlink(linkPath)
  try {
    await symlink(relative(dirname(linkPath), blobPath), linkPath)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'EINVAL' && code !== 'ENOSYS') throw e
    const tmp = `${linkPath}.${process.pid}.tmp`
    await copyFile(blobPath, tmp)
    await rename(tmp, linkPath)
  }
}

async function hashFilePrefix(path: string, bytes: number, hash: Hash, signal?: AbortSignal): Promise<void> {
  if (bytes <= 0) return
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1, signal })) hash.update(chunk as Buffer)
}

function newHash(t: BlobTask): Hash | null {
  if (t.sha256) return createHash('sha256')
  if (t.gitOid) return createHash('sha1').update(`blob ${t.size}\0`)
  return null
}

async function listSnapshot(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  const entries = await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listSnapshot(dir, rel)))
    else out.push(rel)
  }
  return out
}

/** Offline: the snapshot named by a 40-hex revision or by refs/<revision>, read from disk only. */
async function fromCache(opts: DownloadSnapshotOptions, repo: string, revision: string, started: number): Promise<DownloadSnapshotResult> {
  const repoDir = join(opts.config.cacheDir, repoFolderName(repo))
  let sha: string | null = isCommitSha(revision) ? revision : null
  if (!sha) {
    const ref = (await readFile(join(repoDir, 'refs', ...revision.split('/')), 'utf8').catch(() => '')).trim()
    sha = isCommitSha(ref) ? ref : null
  }
  const snapshotDir = sha ? join(repoDir, 'snapshots', sha) : ''
  if (!sha || !(await stat(snapshotDir).then((s) => s.isDirectory(), () => false))) {
    throw new GraftError('OFFLINE', `${repo}@${revision} is not in the Hub cache (${opts.config.cacheDir}), and Graft is offline (${opts.config.offlineReason ?? 'offline mode'}).`, {
      hint: 'Go online to download it, or point HF_HUB_CACHE at a cache that has it.',
    })
  }
  const present: { path: string }[] = []
  for (const p of await listSnapshot(snapshotDir)) if ((await sizeOf(join(snapshotDir, p))) !== null) present.push({ path: p })
  const { selected, skipped } = selectFiles(present, { include: opts.include, allowPickles: opts.allowPickles })
  if (selected.length === 0) {
    throw new GraftError('OFFLINE', `The cached snapshot of ${repo}@${revision} has no file matching ${opts.include?.length ? opts.include.join(', ') : 'the default selection'}, and Graft is offline.`, {
      hint: 'Go online to download the missing files.',
    })
  }
  const files: DownloadedFile[] = []
  for (const f of selected) {
    const localPath = join(snapshotDir, f.path)
    const link = await lstat(localPath)
    const blob = link.isSymbolicLink() ? ((await readlink(localPath)).split(/[\\/]/).pop() ?? '') : ''
    files.push({ path: f.path, size: (await sizeOf(localPath)) ?? 0, blob, localPath, state: 'cached' })
  }
  const total = files.reduce((a, f) => a + f.size, 0)
  opts.onProgress?.({ phase: 'done', stage: 'done', repo, sha, bytesDone: total, bytesTotal: total, tensorsDone: files.length, tensorsTotal: files.length, bytesPerSec: 0, etaSec: 0, files: files.map((f) => ({ path: f.path, bytesDone: f.size, bytesTotal: f.size, bytesPerSec: 0, etaSec: 0, state: 'cached' })) })
  return { repo, revision, sha, snapshotDir, files, skipped, bytesDownloaded: 0, fromCache: true, seconds: (Date.now() - started) / 1000 }
}

async function httpError(res: Response): Promise<HubApiError> {
  const err = new HubApiError(res.url, res.status, res.headers.get('x-request-id') ?? undefined, `HTTP ${res.status}`)
  const text = await res.text().catch(() => '')
  try {
    err.data = JSON.parse(text)
  } catch {
    err.data = { message: text.slice(0, 300) }
  }
  return err
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

/**
 * Downloads chosen files of one revision into the Python-compatible Hub cache:
 * `models--org--name/{blobs/<oid|sha256>, snapshots/<sha>/<path> -> ../../blobs/<blob>, refs/<revision>}`.
 *
 * The commit sha is resolved first (modelInfo) and the file list read at that sha (listFiles), so
 * every file lands in one snapshot and refs/<revision> is written by Graft (the library's
 * downloadFileToCacheDir mis-files branch downloads). Bytes go to `blobs/<blob>.incomplete`,
 * hashed while written (sha256 for LFS, the git blob sha1 otherwise), and are renamed only after
 * the size and hash match. A later call resumes an `.incomplete` file with a Range request.
 * Offline, the snapshot is found on disk and no request is made.
 */
export async function downloadSnapshot(opts: DownloadSnapshotOptions): Promise<DownloadSnapshotResult> {
  const started = Date.now()
  const { config, signal } = opts
  const repo = checkRepoId(opts.repo)
  const revision = checkRevision(opts.revision ?? 'main')
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new GraftError('BAD_REQUEST', `Concurrency must be between 1 and ${MAX_CONCURRENCY} (got ${concurrency}).`)
  }
  if (config.offline) return fromCache(opts, repo, revision, started)

  const fetch = createHubFetch({ config, signal, fetchImpl: opts.fetchImpl })
  const cred = hubCredentials(config)
  const ctx = { token: config.token, repo, signal }
  const emitBase = { repo }
  opts.onProgress?.({ ...emitBase, phase: 'planning', stage: 'resolving', sha: null, bytesDone: 0, bytesTotal: 0, tensorsDone: 0, tensorsTotal: 0, bytesPerSec: 0, etaSec: null, files: [] })

  // 1. The commit sha, then the file list at that sha.
  let sha: string
  const listed: { path: string; size: number; blob: string; sha256: string | null; gitOid: string | null }[] = []
  try {
    const info = await modelInfo({ ...cred, name: repo, revision, hubUrl: config.endpoint, fetch, additionalFields: ['sha'] })
    if (typeof info.sha !== 'string' || !isCommitSha(info.sha)) throw new GraftError('HUB', `The Hub did not return a commit sha for ${repo}@${revision}.`)
    sha = info.sha
    for await (const e of listFiles({ ...cred, repo, revision: sha, recursive: true, hubUrl: config.endpoint, fetch })) {
      if (e.type !== 'file') continue
      const sha256 = e.lfs?.oid ?? null
      const gitOid = sha256 ? null : (e.oid ?? null)
      const blob = sha256 ?? gitOid
      if (!blob) throw new GraftError('HUB', `The Hub sent no object id for ${JSON.stringify(e.path)} in ${repo}.`)
      listed.push({ path: e.path, size: e.lfs?.size ?? e.size, blob, sha256, gitOid })
    }
  } catch (e) {
    throw toHubError(e, ctx)
  }

  const repoDir = join(config.cacheDir, repoFolderName(repo))
  const blobsDir = join(repoDir, 'blobs')
  const snapshotDir = join(repoDir, 'snapshots', sha)
  // 2. Untrusted names: every listed path must stay inside the snapshot and every blob name be a hash.
  for (const f of listed) {
    resolveInside(snapshotDir, f.path)
    checkBlobName(f.blob, f.path)
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new GraftError('HUB', `The Hub sent an invalid size for ${JSON.stringify(f.path)}.`)
  }
  const { selected, skipped } = selectFiles(listed, { include: opts.include, allowPickles: opts.allowPickles })
  if (selected.length === 0) {
    throw new GraftError('NOT_FOUND', `No file of ${repo}@${revision} matches ${opts.include?.length ? opts.include.join(', ') : 'the default selection'}${skipped.length ? ` (${skipped.length} pickle file(s) skipped)` : ''}.`, {
      hint: skipped.length ? 'Pass allowPickles (--allow-pickles) to download pickle weights, at your own risk.' : 'Check the include patterns against the repo\'s file list.',
    })
  }

  // 3. What is already there: complete snapshot files, complete blobs, partial blobs.
  const results: DownloadedFile[] = []
  const tasks = new Map<string, BlobTask>()
  const progressFiles = new Map<string, DownloadFileProgress>()
  for (const f of selected) {
    const localPath = resolveInside(snapshotDir, f.path)
    const blobPath = join(blobsDir, f.blob)
    const result: DownloadedFile = { path: f.path, size: f.size, blob: f.blob, localPath, state: 'cached' }
    results.push(result)
    if ((await sizeOf(localPath)) === f.size && (await sizeOf(blobPath)) === f.size) {
      progressFiles.set(f.blob + '\0' + f.path, { path: f.path, bytesDone: f.size, bytesTotal: f.size, bytesPerSec: 0, etaSec: 0, state: 'cached' })
      continue
    }
    const t = tasks.get(f.blob)
    if (t) t.paths.push(f.path)
    else tasks.set(f.blob, { blob: f.blob, size: f.size, sha256: f.sha256, gitOid: f.gitOid, path: f.path, paths: [f.path], partial: (await sizeOf(blobPath + '.incomplete')) ?? 0 })
  }
  const todo: BlobTask[] = []
  for (const t of tasks.values()) {
    if ((await sizeOf(join(blobsDir, t.blob))) === t.size) {
      // The blob is complete (shared with another snapshot): only the links are missing.
      for (const p of t.paths) await linkIntoSnapshot(join(blobsDir, t.blob), resolveInside(snapshotDir, p))
      progressFiles.set(t.blob + '\0' + t.path, { path: t.path, bytesDone: t.size, bytesTotal: t.size, bytesPerSec: 0, etaSec: 0, state: 'cached' })
      continue
    }
    if (t.partial > t.size) t.partial = 0
    todo.push(t)
    progressFiles.set(t.blob, { path: t.path, bytesDone: t.partial, bytesTotal: t.size, bytesPerSec: 0, etaSec: null, state: 'queued' })
  }

  // 4. Disk space, before a byte is written.
  const need = todo.reduce((a, t) => a + (t.size - t.partial), 0)
  if (need > 0) {
    const where = await nearestExisting(config.cacheDir)
    const s = await (opts.statfs ?? ((p: string) => statfs(p)))(where)
    const free = Number(s.bavail) * Number(s.bsize)
    if (free < need + DISK_RESERVE_BYTES) {
      throw new GraftError('DISK_FULL', `Not enough disk space for ${repo}: the download needs ${human(need)} (${need} bytes) plus a ${human(DISK_RESERVE_BYTES)} reserve, and ${where} has ${human(free)} (${free} bytes) free.`, {
        file: config.cacheDir,
        hint: 'Free some space, choose fewer files, or set HF_HUB_CACHE to a folder on a bigger disk.',
      })
    }
  }

  // 5. Progress: totals over all selected files; speed over the bytes moved in this call.
  const bytesTotal = selected.reduce((a, f) => a + f.size, 0)
  let moved = 0
  let filesDone = [...progressFiles.values()].filter((p) => p.state === 'cached').length
  const fileStart = new Map<string, { at: number; moved: number }>()
  const snapshot = (final = false): DownloadProgress => {
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 ? moved / secs : 0
    const files = [...progressFiles.entries()].map(([key, p]) => {
      const fs = fileStart.get(key)
      const fsecs = fs ? (Date.now() - fs.at) / 1000 : 0
      const frate = fs && fsecs > 0 ? fs.moved / fsecs : 0
      return { ...p, bytesPerSec: frate, etaSec: p.state === 'done' || p.state === 'cached' ? 0 : frate > 0 ? (p.bytesTotal - p.bytesDone) / frate : null }
    })
    const done = files.reduce((a, p) => a + p.bytesDone, 0)
    return {
      ...emitBase,
      sha,
      phase: final ? 'done' : 'tensors',
      stage: final ? 'done' : 'downloading',
      bytesDone: done,
      bytesTotal,
      tensorsDone: filesDone,
      tensorsTotal: progressFiles.size,
      bytesPerSec: rate,
      etaSec: final ? 0 : rate > 0 ? (bytesTotal - done) / rate : null,
      current: files.find((p) => p.state === 'downloading')?.path,
      files,
    }
  }
  const emit = (final = false) => opts.onProgress?.(snapshot(final))
  emit()
  const timer = opts.onProgress ? setInterval(() => emit(), opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS) : null

  // 6. Download blobs, a few at a time.
  const retries = opts.retries ?? DEFAULT_RETRIES
  const downloadBlob = async (t: BlobTask): Promise<'downloaded' | 'resumed'> => {
    const blobPath = join(blobsDir, t.blob)
    const incomplete = blobPath + '.incomplete'
    const prog = progressFiles.get(t.blob)!
    fileStart.set(t.blob, { at: Date.now(), moved: 0 })
    prog.state = 'downloading'
    let resumed = false
    for (let attempt = 0; ; attempt++) {
      try {
        resumed = (await transfer(t, incomplete, prog)) || resumed
        break
      } catch (e) {
        if (signal?.aborted) throw e
        if (e instanceof RetryableError && attempt < retries) continue
        throw e
      }
    }
    await rename(incomplete, blobPath)
    for (const p of t.paths) await linkIntoSnapshot(blobPath, resolveInside(snapshotDir, p))
    prog.state = 'done'
    prog.bytesDone = t.size
    filesDone++
    return resumed ? 'resumed' : 'downloaded'
  }

  /** One HTTP attempt: continues the partial file when the server answers 206 with the right range. */
  const transfer = async (t: BlobTask, incomplete: string, prog: DownloadFileProgress): Promise<boolean> => {
    let offset = (await sizeOf(incomplete)) ?? 0
    if (offset > t.size) {
      await truncate(incomplete, 0)
      offset = 0
    }
    let hash = newHash(t)
    if (hash && offset > 0) await hashFilePrefix(incomplete, offset, hash, signal)
    prog.bytesDone = offset
    const url = `${config.endpoint}/${repo}/resolve/${sha}/${encodePath(t.path)}`
    let written = 0
    let resumed = false
    if (offset < t.size || t.size === 0) {
      const headers: Record<string, string> = { 'Accept-Encoding': 'identity' }
      if (cred.accessToken) headers.Authorization = `Bearer ${cred.accessToken}`
      if (offset > 0) headers.Range = `bytes=${offset}-`
      let res: Response
      try {
        res = await fetch(url, { headers })
      } catch (e) {
        if (e instanceof GraftError && e.code === 'HUB') throw new RetryableError(e.message)
        throw e
      }
      if (res.status === 206 && offset > 0) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '')
        if (!m || Number(m[1]) !== offset || (m[3] !== '*' && Number(m[3]) !== t.size)) {
          await res.body?.cancel()
          await rm(incomplete, { force: true })
          throw new RetryableError(`The Hub answered the resume request for ${t.path} with the wrong range (${res.headers.get('content-range') ?? 'none'}); the partial file was discarded.`)
        }
        resumed = true
      } else if (res.status === 200 || (res.status === 206 && offset === 0)) {
        if (offset > 0) {
          // The server ignored Range: start over from byte 0.
          offset = 0
          hash = newHash(t)
          prog.bytesDone = 0
        }
      } else {
        throw toHubError(await httpError(res), { ...ctx, file: t.path, what: `The download of ${t.path} from ${repo}` })
      }
      const fh = await open(incomplete, offset > 0 ? 'a' : 'w')
      try {
        if (res.body) {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            if (signal?.aborted) break
            if (offset + written + chunk.byteLength > t.size) {
              await fh.close().catch(() => {})
              await rm(incomplete, { force: true })
              throw new GraftError('HUB', `The Hub sent more bytes for ${t.path} than its listed size (${t.size}); the partial file was deleted.`)
            }
            await fh.write(chunk)
            hash?.update(chunk)
            written += chunk.byteLength
            moved += chunk.byteLength
            prog.bytesDone = offset + written
            const fs = fileStart.get(t.blob)
            if (fs) fs.moved += chunk.byteLength
          }
        }
      } catch (e) {
        if (signal?.aborted || e instanceof GraftError) throw e
        throw new RetryableError(`The connection dropped while downloading ${t.path} (${offset + written} of ${t.size} bytes kept for resume): ${scrubToken(String((e as Error)?.message ?? e), config.token)}`)
      } finally {
        await fh.close().catch(() => {})
      }
      if (signal?.aborted) signal.throwIfAborted()
    }
    if (offset + written !== t.size) {
      throw new RetryableError(`The connection dropped while downloading ${t.path}: got ${offset + written} of ${t.size} bytes (kept for resume).`)
    }
    if (hash) {
      const got = hash.digest('hex')
      const want = t.sha256 ?? t.gitOid
      if (got !== want) {
        await rm(incomplete, { force: true })
        throw new GraftError('HUB', `${t.path} from ${repo} failed verification: expected ${t.sha256 ? 'sha256' : 'git oid'} ${want}, got ${got}. The download was deleted.`, {
          file: t.path,
          hint: 'Try again; if it keeps failing, the mirror or a proxy is altering the file.',
        })
      }
    }
    return resumed
  }

  try {
    await mkdir(blobsDir, { recursive: true })
    await mkdir(snapshotDir, { recursive: true })
    const outcome = new Map<string, 'downloaded' | 'resumed'>()
    let next = 0
    let failure: unknown = null
    const worker = async () => {
      while (failure === null && next < todo.length) {
        const t = todo[next++]
        try {
          outcome.set(t.blob, await downloadBlob(t))
        } catch (e) {
          failure ??= e
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker))
    if (failure !== null) throw failure
    for (const r of results) {
      const o = outcome.get(r.blob)
      if (o) r.state = o
    }
    // 7. refs/<revision> only after every file is in place, so offline lookups never land on a half snapshot.
    if (revision !== sha) await writeAtomic(join(repoDir, 'refs', ...revision.split('/')), sha)
  } catch (e) {
    if (signal?.aborted) {
      throw new GraftError('CANCELLED', `The download of ${repo} was cancelled; partial files stay in the cache as .incomplete so the next download resumes.`)
    }
    if (e instanceof RetryableError) {
      throw new GraftError('HUB', e.message, { hint: 'Run the download again: it resumes where it stopped.' })
    }
    throw toHubError(e, { ...ctx, what: `The download of ${repo}` })
  } finally {
    if (timer) clearInterval(timer)
  }
  emit(true)
  return { repo, revision, sha, snapshotDir, files: results, skipped, bytesDownloaded: moved, fromCache: false, seconds: (Date.now() - started) / 1000 }
}
