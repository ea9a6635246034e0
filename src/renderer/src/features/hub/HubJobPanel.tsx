import { useState } from 'react'
import type { HubDownloadResult, HubJobProgress, HubUploadResult, JobInfo } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'
import { formatBytes, formatDuration, formatRate } from '../../lib/format'
import { ProgressBar } from '../../components/ProgressBar'
import { OpenFolderButton } from '../flow/OpenFolderButton'
import { HubErrorNote } from './hub-error'

const STATE_LABEL: Record<JobInfo['state'], string> = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' }
const FILE_STATE: Record<string, string> = { queued: 'queued', hashing: 'hashing', downloading: 'downloading', uploading: 'uploading', done: 'done', cached: 'already cached' }
const STAGE_LABEL: Record<string, string> = {
  resolving: 'Resolving the revision and file list…',
  creating: 'Creating the repo…',
  preuploading: 'Preparing the upload…',
  hashing: 'Hashing files…',
  committing: 'Committing…',
}

/**
 * A hub-download or hub-upload job: a progress bar with bytes, speed and ETA, the per-file list,
 * Cancel, and the result (snapshot folder or commit URL) or a readable error.
 */
export function HubJobPanel({ job, compact = false, onShowLibrary, onGoOnline }: { job: JobInfo | null; compact?: boolean; onShowLibrary?: () => void; onGoOnline?: () => void }) {
  const [cancelError, setCancelError] = useState<ErrorInfo | null>(null)
  if (!job) {
    return (
      <div className="hub-job" role="status">
        <p className="subtle">Starting…</p>
      </div>
    )
  }
  const p = job.progress as HubJobProgress | null
  const active = job.state === 'running' || job.state === 'queued'
  const fraction = job.state === 'done' ? 1 : p && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0
  const verb = job.kind === 'hub-upload' ? 'Upload' : 'Download'
  const cancel = async () => {
    try {
      await call('jobs.cancel', { id: job.id })
    } catch (e) {
      setCancelError(errorInfoOf(e))
    }
  }
  const stageText = active && p?.stage && STAGE_LABEL[p.stage] ? STAGE_LABEL[p.stage] : null
  const files = p?.files ?? []
  return (
    <div className={`hub-job hub-job-${job.state}`} aria-label={`${job.title}: ${STATE_LABEL[job.state]}`}>
      <div className="hub-job-head">
        <span className={`state state-${job.state}`}>{STATE_LABEL[job.state]}</span>
        <span className="hub-job-title">{job.title}</span>
        {active ? (
          <button type="button" className="btn small danger" onClick={() => void cancel()}>
            Cancel {verb.toLowerCase()}
          </button>
        ) : null}
      </div>
      <ProgressBar value={fraction} label={`${verb} progress`} state={job.state} />
      <p className="job-stats" aria-live="polite">
        <span>{Math.round(fraction * 100)}%</span>
        {p ? (
          <>
            <span>
              {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
            </span>
            <span>
              {p.tensorsDone} / {p.tensorsTotal} files
            </span>
            <span>{formatRate(p.bytesPerSec)}</span>
            {active ? <span>ETA {formatDuration(p.etaSec)}</span> : null}
            {stageText ? <span>{stageText}</span> : null}
          </>
        ) : (
          <span>{active ? 'Starting…' : ''}</span>
        )}
      </p>
      {!compact && files.length > 0 && (active || job.state !== 'done') ? (
        <div className="table-wrap hub-job-files">
          <table>
            <caption className="sr-only">Files of this {verb.toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col" className="num">
                  Done
                </th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col" className="num">
                  Speed
                </th>
                <th scope="col" className="num">
                  ETA
                </th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.path}>
                  <td className="mono">{f.path}</td>
                  <td className="num">{f.bytesTotal > 0 ? `${Math.round((f.bytesDone / f.bytesTotal) * 100)}%` : '—'}</td>
                  <td className="num">{formatBytes(f.bytesTotal)}</td>
                  <td className="num">{f.state === 'downloading' || f.state === 'uploading' ? formatRate(f.bytesPerSec) : '—'}</td>
                  <td className="num">{f.state === 'downloading' ? formatDuration(f.etaSec) : '—'}</td>
                  <td>
                    <span className={`hub-file-state hub-file-${f.state}`}>{FILE_STATE[f.state] ?? f.state}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {p && p.filesOmitted > 0 ? <p className="subtle hub-note">…and {p.filesOmitted} more files.</p> : null}
        </div>
      ) : null}
      {job.state === 'failed' && job.error ? <HubErrorNote error={job.error} onGoOnline={onGoOnline} /> : null}
      {job.state === 'cancelled' ? <p className="subtle">{job.error?.message ?? 'Cancelled.'}</p> : null}
      {cancelError ? <HubErrorNote error={cancelError} /> : null}
      {job.state === 'done' ? <HubJobResult job={job} onShowLibrary={onShowLibrary} /> : null}
    </div>
  )
}

export function HubJobResult({ job, onShowLibrary }: { job: JobInfo; onShowLibrary?: () => void }) {
  if (job.kind === 'hub-download') {
    const r = job.result as HubDownloadResult | null
    if (!r) return null
    return (
      <div className="hub-result" role="status">
        <p>
          {r.fromCache ? 'Already in the cache: ' : `Downloaded ${r.fileCount} file${r.fileCount === 1 ? '' : 's'} (${formatBytes(r.bytesDownloaded)}) to `}
          <span className="mono hub-path">{r.path}</span> <OpenFolderButton path={r.path} small />
        </p>
        {r.skipped.length ? <p className="subtle">Skipped: {r.skipped.map((s) => s.path).join(', ')} (pickle files).</p> : null}
        {onShowLibrary ? (
          <p>
            {r.repo} is in the Library now.{' '}
            <button type="button" className="link" onClick={onShowLibrary}>
              Show in Library
            </button>
          </p>
        ) : null}
      </div>
    )
  }
  const r = job.result as HubUploadResult | null
  if (!r) return null
  return (
    <div className="hub-result" role="status">
      <p>
        {r.created ? 'Created and published' : 'Published'} {r.fileCount} files ({formatBytes(r.bytes)}) to {r.repo}
        {r.cardGenerated ? ', with a model card written by Graft' : ''}.
      </p>
      <p>
        Commit: <span className="mono hub-path">{r.commitUrl}</span>
      </p>
    </div>
  )
}
