import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Graft's temporary output folders are named `.NAME.graft-tmp-PID-XXXXXXXX` (and
 * `….old` while an --overwrite swaps folders), beside the destination. A job that is killed
 * (SIGKILL, power loss, a crash) cannot remove its own; the next job writing into the same
 * folder does, once the process that made it is gone.
 */
const TEMP_NAME = /^\..+\.graft-tmp-(?:(\d+)-)?[0-9a-f]{8}(?:\.old)?$/

/** Folders from before the PID was in the name are only removed once this old (and marked). */
const LEGACY_MIN_AGE_MS = 60 * 60 * 1000

export function tempDirName(outName: string, pid: number, rand: string): string {
  return `.${outName}.graft-tmp-${pid}-${rand}`
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the temporary folders in `parent` left by Graft processes that no longer run; a
 * folder whose process is alive (another job, possibly in another Graft) is never touched.
 * Best effort: returns the removed paths and never throws.
 */
export async function removeStaleTemps(parent: string, marker: string, now: number = Date.now()): Promise<string[]> {
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(parent)
  } catch {
    return removed
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name)
    if (!m) continue
    const path = join(parent, name)
    try {
      const st = await stat(path)
      if (!st.isDirectory()) continue
      if (m[1] !== undefined) {
        if (alive(Number(m[1]))) continue
      } else {
        // Legacy name (no PID): only a marked folder untouched for an hour.
        const marked = await stat(join(path, marker)).then(
          () => true,
          () => false,
        )
        if (!marked || now - st.mtimeMs < LEGACY_MIN_AGE_MS) continue
      }
      await rm(path, { recursive: true, force: true })
      removed.push(path)
    } catch {
      // Unreadable or vanished meanwhile: leave it.
    }
  }
  return removed
}
