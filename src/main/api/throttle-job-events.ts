import type { JobInfo } from '../../shared/api'

/** Progress updates per job at most this often (10 a second); state changes are never held back. */
export const JOB_EVENT_INTERVAL_MS = 100

/**
 * Wraps a job-update listener so a transport sends at most ~10 progress updates a second per job.
 * A change of state (started, done, failed, cancelled) goes out at once and replaces any pending
 * progress update; the last progress update of a burst is delivered, never dropped.
 */
export function throttleJobEvents(emit: (job: JobInfo) => void, intervalMs = JOB_EVENT_INTERVAL_MS): { push(job: JobInfo): void; dispose(): void } {
  const perJob = new Map<string, { lastAt: number; lastState: JobInfo['state'] | null; pending: JobInfo | null; timer: ReturnType<typeof setTimeout> | null }>()
  const send = (job: JobInfo) => {
    const s = perJob.get(job.id)!
    if (s.timer) clearTimeout(s.timer)
    s.timer = null
    s.pending = null
    s.lastAt = Date.now()
    s.lastState = job.state
    emit(job)
    if (job.endedAt !== null) perJob.delete(job.id)
  }
  return {
    push(job) {
      let s = perJob.get(job.id)
      if (!s) {
        s = { lastAt: 0, lastState: null, pending: null, timer: null }
        perJob.set(job.id, s)
      }
      const now = Date.now()
      if (job.state !== s.lastState || job.endedAt !== null || now - s.lastAt >= intervalMs) return send(job)
      s.pending = job
      if (!s.timer) {
        s.timer = setTimeout(() => {
          const st = perJob.get(job.id)
          if (st?.pending) send(st.pending)
        }, intervalMs - (now - s.lastAt))
      }
    },
    dispose() {
      for (const s of perJob.values()) if (s.timer) clearTimeout(s.timer)
      perJob.clear()
    },
  }
}
