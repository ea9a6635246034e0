import type { JobInfo, ScanResult } from '../../../../shared/api'
import { formatBytes, formatDuration, formatInt } from '../../lib/format'
import { OpenFolderButton } from './OpenFolderButton'
import { asPlannedResult, VerificationSummary } from './ResultView'

/** The Jobs panel's result of a merge, resize, tokens-add or untrained-fix job. */
export function PlannedJobSummary({ job }: { job: JobInfo }) {
  const r = asPlannedResult(job.result)
  if (!r) return null
  return (
    <div className="job-result">
      <p>
        Wrote <span className="mono">{r.outDir}</span> ({formatBytes(r.bytesWritten)} in {formatDuration(r.seconds)}). <OpenFolderButton path={r.outDir} small />
      </p>
      <VerificationSummary result={r} compact />
    </div>
  )
}

/** The Jobs panel's result of a row scan. */
export function ScanJobSummary({ job }: { job: JobInfo }) {
  const r = job.result as ScanResult | null
  if (!r || !Array.isArray(r.untrained)) return null
  return (
    <p>
      {r.untrained.length === 0 ? 'No untrained rows.' : `${formatInt(r.untrained.length)} untrained row(s), e.g. ${r.untrained.slice(0, 5).map((u) => `${u.id} ${JSON.stringify(u.token)}`).join(', ')}.`}{' '}
      <span className="subtle">Open the model in Inspect to see them with the row-norm histograms.</span>
    </p>
  )
}
