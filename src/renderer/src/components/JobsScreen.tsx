import { useEffect, useState } from 'react'
import type { JobInfo } from '../../../shared/api'
import type { ErrorInfo } from '../../../shared/errors'
import { call, errorInfoOf } from '../lib/api'
import { formatBytes, formatDuration, formatInt, formatRate } from '../lib/format'
import { formatWhen } from '../lib/format-when'
import { ErrorNote } from './ErrorNote'
import { ProgressBar } from './ProgressBar'
import { HubJobResult } from '../features/hub/HubJobPanel'
import { CompareJobResult } from '../features/compare/CompareJobResult'
import { PlannedJobSummary, ScanJobSummary } from '../features/flow/JobResultSummary'

const STATE_LABEL: Record<JobInfo['state'], string> = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' }

/** Running and finished jobs, newest first, with progress, cancel, errors and results. */
export function JobsScreen({ jobs: all }: { jobs: JobInfo[] }) {
  // "Clear finished" hides the jobs that ended from this list (their outputs stay on disk).
  const [cleared, setCleared] = useState<Set<string>>(() => new Set())
  const jobs = all.filter((j) => !cleared.has(j.id))
  const finished = jobs.filter((j) => j.state !== 'running' && j.state !== 'queued')
  return (
    <section className="screen" aria-labelledby="jobs-title">
      <header className="screen-head">
        <div>
          <h1 id="jobs-title">Jobs</h1>
          <p className="subtle">Long operations run in worker threads; the window stays responsive while they work.</p>
        </div>
        {finished.length ? (
          <button type="button" className="btn" onClick={() => setCleared((c) => new Set([...c, ...finished.map((j) => j.id)]))} title="Hide the finished jobs from this list; their outputs stay on disk">
            Clear finished ({finished.length})
          </button>
        ) : null}
      </header>
      {jobs.length === 0 ? (
        <div className="empty">
          <p>{all.length ? 'No jobs left in the list: the finished ones were cleared.' : 'No jobs yet.'}</p>
          <p className="subtle">Merges, added tokens, resizes, repairs and row scans started from Inspect, Tokens and Merge appear here, and so does “Hash files” from the Library.</p>
        </div>
      ) : (
        <ul className="job-list">
          {jobs.map((j) => (
            <li key={j.id}>
              <JobCard job={j} />
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function JobCard({ job }: { job: JobInfo }) {
  const [cancelError, setCancelError] = useState<ErrorInfo | null>(null)
  const [now, setNow] = useState(() => Date.now())
  const active = job.state === 'running' || job.state === 'queued'
  useEffect(() => {
    if (!active) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [active])
  const p = job.progress
  const fraction = job.state === 'done' ? 1 : p && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p && p.tensorsTotal > 0 ? p.tensorsDone / p.tensorsTotal : 0
  const unit = job.kind === 'hash' || job.kind === 'hub-download' || job.kind === 'hub-upload' || job.kind === 'compare-corpus' ? 'files' : 'tensors'
  const elapsed = ((job.endedAt ?? now) - job.startedAt) / 1000

  const cancel = async () => {
    try {
      await call('jobs.cancel', { id: job.id })
    } catch (e) {
      setCancelError(errorInfoOf(e))
    }
  }

  return (
    <article className={`job job-${job.state}`} aria-label={`${job.title}: ${STATE_LABEL[job.state]}`}>
      <header className="job-head">
        <span className={`state state-${job.state}`}>{STATE_LABEL[job.state]}</span>
        <h2 className="job-title" title={job.title}>
          {job.title}
        </h2>
        <span className="subtle">
          <time dateTime={new Date(job.startedAt).toISOString()} title={new Date(job.startedAt).toLocaleString()}>
            {formatWhen(job.startedAt, now)}
          </time>{' '}
          · {formatDuration(elapsed)}
        </span>
        {active ? (
          <button type="button" className="btn small danger" onClick={() => void cancel()}>
            Cancel
          </button>
        ) : null}
      </header>
      <ProgressBar value={fraction} label={`${job.title} progress`} state={job.state} />
      <p className="job-stats">
        <span>{Math.round(fraction * 100)}%</span>
        {p ? (
          <>
            <span>
              {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
            </span>
            <span>
              {formatInt(p.tensorsDone)} / {formatInt(p.tensorsTotal)} {unit}
            </span>
            <span>{formatRate(p.bytesPerSec)}</span>
            {active ? <span>ETA {formatDuration(p.etaSec)}</span> : null}
            {active && p.current ? <span className="mono">{p.current}</span> : null}
          </>
        ) : (
          <span>{active ? 'Starting…' : ''}</span>
        )}
      </p>
      {job.error && job.state !== 'cancelled' ? <ErrorNote error={job.error} /> : null}
      {job.state === 'cancelled' ? <p className="subtle">{job.error?.message ?? 'Cancelled.'}</p> : null}
      {cancelError ? <ErrorNote error={cancelError} /> : null}
      {job.state === 'done' ? <JobResult job={job} /> : null}
      {job.log.length > 0 ? (
        <details className="job-log">
          <summary>Log ({job.log.length})</summary>
          <pre>{job.log.join('\n')}</pre>
        </details>
      ) : null}
    </article>
  )
}

function JobResult({ job }: { job: JobInfo }) {
  if (job.kind === 'hub-download' || job.kind === 'hub-upload') return <HubJobResult job={job} />
  if (job.kind === 'compare-corpus') return <CompareJobResult job={job} />
  const r = job.result as { files?: { file: string; bytes: number; sha256: string }[]; outDir?: string; bytesWritten?: number } | null
  if (r?.files) {
    return (
      <div className="table-wrap">
        <table className="hash-table">
          <caption className="sr-only">File hashes</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">sha256</th>
            </tr>
          </thead>
          <tbody>
            {r.files.map((f) => (
              <tr key={f.file}>
                <td className="mono" title={f.file}>
                  {f.file.split(/[\\/]/).pop()}
                </td>
                <td className="num">{formatBytes(f.bytes)}</td>
                <td className="mono hash">{f.sha256}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )
  }
  if (job.kind === 'scan') return <ScanJobSummary job={job} />
  if (r?.outDir) return <PlannedJobSummary job={job} />
  return null
}
