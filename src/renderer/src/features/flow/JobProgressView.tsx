import { useEffect, useState } from 'react'
import type { JobInfo } from '../../../../shared/api'
import type { JobProgress } from '../../../../shared/progress'
import { ProgressBar } from '../../components/ProgressBar'
import { formatBytes, formatDuration, formatInt, formatRate } from '../../lib/format'

export const PHASE_LABEL: Record<JobProgress['phase'], string> = {
  planning: 'Planning',
  stats: 'Computing row statistics',
  tensors: 'Writing tensors',
  hashing: 'Hashing',
  downloading: 'Downloading',
  uploading: 'Uploading',
  finalizing: 'Finishing: syncing and moving the output into place',
  verifying: 'Verifying: reading the output back (shapes, vocabulary, NaN/Inf)',
  done: 'Done',
}

export function jobFraction(job: JobInfo): number {
  const p = job.progress
  if (job.state === 'done') return 1
  if (!p) return 0
  return p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.tensorsTotal > 0 ? p.tensorsDone / p.tensorsTotal : 0
}

/** A running job: phase, progress bar, bytes, tensors, speed, ETA, and Cancel. */
export function JobProgressView({ job, onCancel, unit = 'tensors' }: { job: JobInfo; onCancel?: () => void; unit?: string }) {
  const [cancelling, setCancelling] = useState(false)
  const [now, setNow] = useState(() => Date.now())
  const active = job.state === 'running' || job.state === 'queued'
  useEffect(() => {
    if (!active) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [active])
  const p = job.progress
  const fraction = jobFraction(job)
  return (
    <div className="job-progress" aria-busy={active}>
      <div className="job-progress-head">
        <span className="phase">{p ? PHASE_LABEL[p.phase] : active ? 'Starting…' : ''}</span>
        <span className="pct">{Math.round(fraction * 100)}%</span>
        {active && onCancel ? (
          <button
            type="button"
            className="btn small danger"
            disabled={cancelling}
            onClick={() => {
              setCancelling(true)
              onCancel()
            }}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </div>
      <ProgressBar value={fraction} label={`${job.title} progress`} state={job.state} />
      <dl className="job-progress-stats">
        <div>
          <dt>Bytes</dt>
          <dd>{p && p.bytesTotal > 0 ? `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}` : '—'}</dd>
        </div>
        <div>
          <dt>{unit[0].toUpperCase() + unit.slice(1)}</dt>
          <dd>{p && p.tensorsTotal > 0 ? `${formatInt(p.tensorsDone)} / ${formatInt(p.tensorsTotal)}` : '—'}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{p ? formatRate(p.bytesPerSec) : '—'}</dd>
        </div>
        {active ? (
          <div>
            <dt>Time left</dt>
            <dd>{p?.etaSec != null ? formatDuration(p.etaSec) : 'estimating…'}</dd>
          </div>
        ) : null}
        <div>
          <dt>{active ? 'Elapsed' : 'Took'}</dt>
          <dd>{formatDuration(((job.endedAt ?? now) - job.startedAt) / 1000)}</dd>
        </div>
      </dl>
      {active && p?.current ? <p className="subtle mono current">{p.current}</p> : null}
    </div>
  )
}
