import { useEffect, useState } from 'react'
import type { JobInfo } from '../../../../shared/api'
import { call, getTransport } from '../../lib/api'

/** One job, kept current by pushed job events (for panels that live outside the Jobs screen). */
export function useJob(id: string | null): JobInfo | null {
  const [job, setJob] = useState<JobInfo | null>(null)
  useEffect(() => {
    setJob(null)
    if (!id) return
    let live = true
    const off = getTransport().api.onEvent((e) => {
      if (e.type !== 'job' || e.job.id !== id) return
      // A late progress update never rewinds a finished job.
      setJob((old) => (old && old.endedAt !== null && e.job.endedAt === null ? old : e.job))
    })
    call('jobs.list', {}).then(
      (list) => {
        const found = list.find((j) => j.id === id)
        if (live && found) setJob((old) => old ?? found)
      },
      () => {},
    )
    return () => {
      live = false
      off()
    }
  }, [id])
  return job
}
