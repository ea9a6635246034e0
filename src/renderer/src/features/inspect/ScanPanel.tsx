import { useEffect, useState } from 'react'
import type { JobInfo, ScanResult } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import { formatInt } from '../../lib/format'
import { JobProgressView } from '../flow/JobProgressView'
import { NormHistogramChart } from './NormHistogramChart'

/** Untrained rows listed at once. */
const MAX_ROWS = 500

/** "Scan rows": a scan job in the pool, then the untrained rows with their tokens and the row-norm histograms. */
export function ScanPanel({ path, newFrom, jobs, onResult }: { path: string; newFrom?: number; jobs: JobInfo[]; onResult: (r: ScanResult | null) => void }) {
  const [jobId, setJobId] = useState<string | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const job = jobId ? (jobs.find((j) => j.id === jobId) ?? null) : null
  const running = !!jobId && (!job || job.state === 'running' || job.state === 'queued')
  const result = job?.state === 'done' ? (job.result as ScanResult) : null

  useEffect(() => {
    onResult(result)
    // The result object changes only when the job does.
  }, [job?.id, job?.state])

  const scan = async () => {
    setError(null)
    try {
      const { id } = await call('jobs.start', { kind: 'scan', params: newFrom !== undefined ? { path, newFrom } : { path } })
      setJobId(id)
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }

  return (
    <section className="panel" aria-labelledby="rows-title">
      <div className="panel-head">
        <div>
          <h2 id="rows-title">Embedding rows</h2>
          <p className="subtle">Reads every row of the embedding and head in worker threads: untrained rows and row-norm histograms.</p>
        </div>
        <button type="button" className="btn primary" onClick={() => void scan()} disabled={running}>
          {running ? 'Scanning…' : result ? 'Scan again' : 'Scan rows'}
        </button>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {job && (running || job.state === 'cancelled') ? <JobProgressView job={job} onCancel={() => void call('jobs.cancel', { id: job.id })} /> : null}
      {job?.state === 'cancelled' ? <p className="subtle">Scan cancelled.</p> : null}
      {job?.state === 'failed' && job.error ? <ErrorNote error={job.error} /> : null}
      {!job && !error ? <p className="empty slim">Not scanned yet. A scan reads only the embedding and head (a few seconds for most models) and changes nothing.</p> : null}
      {result ? <ScanResultView result={result} /> : null}
    </section>
  )
}

function ScanResultView({ result }: { result: ScanResult }) {
  const [embed, head] = [result.histograms[0]?.tensor ?? 'embedding', result.histograms[1]?.tensor ?? 'head']
  return (
    <div className="scan-result">
      <p className={result.untrained.length ? 'scan-summary warn' : 'scan-summary ok-text'} role="status">
        {result.untrained.length === 0
          ? '✓ No untrained rows: every row of the embedding and head holds trained values.'
          : `${formatInt(result.untrained.length)} untrained token row(s): ${formatInt(result.untrainedEmbed.length)} in ${embed}${result.histograms.length > 1 ? `, ${formatInt(result.untrainedHead.length)} in ${head}` : ''}.`}
      </p>
      {result.untrained.length ? (
        <div className="table-wrap scroll-y short">
          <table className="untrained-table">
            <caption className="sr-only">Untrained rows</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Id
                </th>
                <th scope="col">Token</th>
                <th scope="col">Text</th>
                <th scope="col">Embedding</th>
                <th scope="col">Head</th>
              </tr>
            </thead>
            <tbody>
              {result.untrained.slice(0, MAX_ROWS).map((u) => (
                <tr key={u.id}>
                  <td className="num">{u.id}</td>
                  <td>{u.token === null ? <span className="subtle">no token (padding)</span> : <span className="mono tok-chip">{u.token}</span>}</td>
                  <td className="mono">{u.text === null ? '' : JSON.stringify(u.text)}</td>
                  <td>{u.inEmbed ? 'untrained' : <span className="subtle">trained</span>}</td>
                  <td>{u.inHead ? 'untrained' : <span className="subtle">trained</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {result.untrained.length > MAX_ROWS ? <p className="subtle">…and {formatInt(result.untrained.length - MAX_ROWS)} more.</p> : null}
      <div className="charts">
        {result.histograms.map((h) => (
          <NormHistogramChart key={h.tensor} hist={h} />
        ))}
      </div>
    </div>
  )
}
