import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobInfo } from '../../shared/api'
import { throttleJobEvents } from './throttle-job-events'

function job(id: string, state: JobInfo['state'], done: number, ended = false): JobInfo {
  return {
    id,
    kind: 'hash',
    title: id,
    state,
    progress: { phase: 'hashing', bytesDone: done, bytesTotal: 100, tensorsDone: 0, tensorsTotal: 1, bytesPerSec: 0, etaSec: null },
    startedAt: 0,
    endedAt: ended ? 1 : null,
    error: null,
    result: null,
    log: [],
  }
}

describe('throttleJobEvents', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends at most one progress update per interval per job, keeping the latest', () => {
    const sent: string[] = []
    const t = throttleJobEvents((j) => sent.push(`${j.id}:${j.state}:${j.progress?.bytesDone}`), 100)
    t.push(job('a', 'running', 0))
    for (let i = 1; i <= 50; i++) {
      t.push(job('a', 'running', i))
      t.push(job('b', 'running', i))
      vi.advanceTimersByTime(10)
    }
    vi.advanceTimersByTime(200)
    const a = sent.filter((s) => s.startsWith('a:'))
    // 500 ms of updates every 10 ms: about 5-7 sends instead of 51.
    expect(a.length).toBeGreaterThanOrEqual(5)
    expect(a.length).toBeLessThanOrEqual(7)
    expect(a.at(-1)).toBe('a:running:50')
    expect(sent.filter((s) => s.startsWith('b:')).at(-1)).toBe('b:running:50')
    t.dispose()
  })

  it('sends state changes at once and drops a pending progress update after the end', () => {
    const sent: string[] = []
    const t = throttleJobEvents((j) => sent.push(`${j.state}:${j.progress?.bytesDone}`), 100)
    t.push(job('a', 'running', 0))
    t.push(job('a', 'running', 10))
    t.push(job('a', 'done', 100, true))
    vi.advanceTimersByTime(500)
    expect(sent).toEqual(['running:0', 'done:100'])
  })
})
