import { useCallback, useEffect, useState } from 'react'
import type { JobInfo } from '../../../shared/api'
import { call, getTransport } from './api'

/** Live job list: loaded once, then kept current by pushed job events (and reloaded on reconnect). */
export function useJobs(): { jobs: JobInfo[]; refresh: () => void } {
  const [byId, setById] = useState<Map<string, JobInfo>>(new Map())
  const refresh = useCallback(() => {
    call('jobs.list', {}).then(
      (list) => setById(new Map(list.map((j) => [j.id, j]))),
      () => {},
    )
  }, [])
  useEffect(() => {
    const { api, ws } = getTransport()
    const off = api.onEvent((e) => {
      if (e.type !== 'job') return
      setById((prev) => {
        const old = prev.get(e.job.id)
        // An update that arrives late never rewinds a finished job.
        if (old && old.endedAt !== null && e.job.endedAt === null) return prev
        const next = new Map(prev)
        next.set(e.job.id, e.job)
        return next
      })
    })
    const offStatus = ws?.onStatus((s) => {
      if (s === 'open') refresh()
    })
    refresh()
    return () => {
      off()
      offStatus?.()
    }
  }, [refresh])
  const jobs = [...byId.values()].sort((a, b) => b.startedAt - a.startedAt)
  return { jobs, refresh }
}
