import { hostname } from 'node:os'
import { link, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { GraftError } from '../errors'
import { realPathLoose } from './check-output'

/** A lock file whose content cannot be read (being written, or garbage) counts as stale after this long. */
const UNREADABLE_LOCK_STALE_MS = 10_000

/** Locks this process holds, by lock path: a lock file with our PID that is not here is a leftover of an earlier process with the same PID. */
const held = new Set<string>()

/** The lock file for an output folder: `.NAME.graft-lock` beside it, in its real parent (so aliases of one folder share one lock). */
export function outputLockPath(outDir: string): string {
  const real = realPathLoose(outDir).real
  return join(dirname(real), `.${basename(real)}.graft-lock`)
}

interface LockBody {
  pid: number
  host: string
  started: string
  out: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface OutputLock {
  path: string
  release: () => Promise<void>
}

/**
 * Takes the cross-process lock on an output folder: a file created with O_EXCL beside it, holding
 * this process's PID. A second job (in this or another process) gets OUTPUT_BUSY naming the folder
 * and the process. A lock left by a process that died (kill -9, power loss) is stale and is taken
 * over. The parent folder must exist. `release` removes the file; it leaves nothing behind.
 */
export async function acquireOutputLock(outDir: string): Promise<OutputLock> {
  const path = outputLockPath(outDir)
  const body: LockBody = { pid: process.pid, host: hostname(), started: new Date().toISOString(), out: outDir }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx')
      held.add(path) // before the body is written: a job of this process reading it then sees it held
      try {
        await fh.writeFile(JSON.stringify(body) + '\n')
      } catch (e) {
        held.delete(path)
        await unlink(path).catch(() => {})
        throw e
      } finally {
        await fh.close()
      }
      let released = false
      return {
        path,
        release: async () => {
          if (released) return
          released = true
          held.delete(path)
          await unlink(path).catch(() => {})
        },
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const other = await readLock(path)
    if (other === 'gone') continue
    if (!(await staleLock(path, other))) throw busy(outDir, other === 'unreadable' ? null : other)
    await breakLock(path, other)
  }
  throw busy(outDir, null)
}

/** Whether a lock file was left by a process that no longer runs (or is garbage older than UNREADABLE_LOCK_STALE_MS). */
async function staleLock(path: string, body: LockBody | 'unreadable'): Promise<boolean> {
  if (body !== 'unreadable') return isStale(path, body)
  const age = await stat(path).then(
    (s) => Date.now() - s.mtimeMs,
    () => Infinity,
  )
  return age >= UNREADABLE_LOCK_STALE_MS
}

/**
 * Removes a stale lock: moves it aside under a unique name (atomic), checks that what moved is
 * the stale lock that was read (a live job may have replaced it meanwhile: then it is put back),
 * and deletes it.
 */
async function breakLock(path: string, seen: LockBody | 'unreadable'): Promise<boolean> {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`
  try {
    await rename(path, aside)
  } catch {
    return false // another job moved it first
  }
  const moved = await readLock(aside)
  if (typeof moved === 'object' && (seen === 'unreadable' || moved.pid !== seen.pid || moved.started !== seen.started)) {
    await link(aside, path).catch(() => {})
    await unlink(aside).catch(() => {})
    return false
  }
  await unlink(aside).catch(() => {})
  return true
}

const LOCK_NAME = /^\..+\.graft-lock$/

/** Removes the lock files in `parent` left by Graft processes that died (best effort; returns their paths). */
export async function removeStaleLocks(parent: string): Promise<string[]> {
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(parent)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!LOCK_NAME.test(name)) continue
    const path = join(parent, name)
    const body = await readLock(path)
    if (body === 'gone' || !(await staleLock(path, body))) continue
    if (await breakLock(path, body)) removed.push(path)
  }
  return removed
}

async function readLock(path: string): Promise<LockBody | 'gone' | 'unreadable'> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable'
  }
  try {
    const b = JSON.parse(text) as LockBody
    return typeof b.pid === 'number' ? b : 'unreadable'
  } catch {
    return 'unreadable'
  }
}

function isStale(path: string, b: LockBody): boolean {
  // Another machine's lock (a shared network folder): its PID means nothing here, so it is kept.
  if (b.host && b.host !== hostname()) return false
  if (b.pid === process.pid) return !held.has(path)
  return !alive(b.pid)
}

function busy(outDir: string, other: LockBody | null): GraftError {
  const who = other ? (other.pid === process.pid ? `another job in this Graft (started ${other.started})` : `Graft process ${other.pid}${other.host && other.host !== hostname() ? ` on ${other.host}` : ''} (started ${other.started})`) : 'another Graft job'
  const remote = other && other.host && other.host !== hostname() ? ` If that machine no longer runs it, delete ${outputLockPath(outDir)}.` : ''
  return new GraftError('OUTPUT_BUSY', `${who} is already writing the output folder ${outDir}.`, { file: outDir, hint: `Wait for that job to finish, or choose another output folder.${remote}` })
}
