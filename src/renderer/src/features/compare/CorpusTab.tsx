import { useState, type FormEvent } from 'react'
import type { JobInfo } from '../../../../shared/api'
import type { CompareCorpusProgress, MetricsGroup, MetricsResult } from '../../../../shared/compare'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { ProgressBar } from '../../components/ProgressBar'
import { call, errorInfoOf } from '../../lib/api'
import { formatBytes, formatDuration, formatInt, formatRate } from '../../lib/format'
import { fmt, LETTERS, pct, type ChosenTokenizer } from './compare-lib'
import { MetricsPanel } from './MetricsPanel'

interface Run {
  id: string
  labels: string[]
}

/** Metrics over a folder of .txt / .jsonl files, as a job (progress, cancel), per file and per language. */
export function CorpusTab({ chosen, jobs }: { chosen: ChosenTokenizer[]; jobs: JobInfo[] }) {
  const [corpus, setCorpus] = useState('')
  const [field, setField] = useState('text')
  const [addSpecial, setAddSpecial] = useState(false)
  const [run, setRun] = useState<Run | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const job = run ? jobs.find((j) => j.id === run.id) : undefined
  const active = job?.state === 'running' || job?.state === 'queued'
  const ready = chosen.length >= 2

  const start = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    const path = corpus.trim()
    if (!path) return
    try {
      const { id } = await call('jobs.start', {
        kind: 'compare-corpus',
        params: { tokenizers: chosen.map((c) => c.path), corpus: path, ...(field.trim() && field.trim() !== 'text' ? { textField: field.trim() } : {}), addSpecialTokens: addSpecial, labels: chosen.map((c) => c.label) },
      })
      setRun({ id, labels: chosen.map((c) => c.label) })
    } catch (err) {
      setError(errorInfoOf(err))
    }
  }

  const cancel = async () => {
    if (!run) return
    try {
      await call('jobs.cancel', { id: run.id })
    } catch (err) {
      setError(errorInfoOf(err))
    }
  }

  const p = job?.progress as CompareCorpusProgress | null | undefined
  const fraction = job?.state === 'done' ? 1 : p && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0
  const result = job?.state === 'done' ? (job.result as MetricsResult) : null

  return (
    <div className="cmp-corpus-tab">
      <form className="cmp-corpus-form" onSubmit={(e) => void start(e)}>
        <div className="cmp-field cmp-grow">
          <label htmlFor="compare-corpus" className="cmp-field-label">
            Corpus folder or file
          </label>
          <input id="compare-corpus" type="text" spellCheck={false} autoComplete="off" placeholder="/path/to/corpus  (.txt: a document per line; .jsonl: one record per line)" value={corpus} onChange={(e) => setCorpus(e.target.value)} />
        </div>
        <div className="cmp-field">
          <label htmlFor="compare-field" className="cmp-field-label">
            .jsonl text field
          </label>
          <input id="compare-field" type="text" spellCheck={false} value={field} onChange={(e) => setField(e.target.value)} size={10} />
        </div>
        <label className="cmp-check">
          <input type="checkbox" checked={addSpecial} onChange={(e) => setAddSpecial(e.target.checked)} /> Count special tokens
        </label>
        <button type="submit" className="btn primary" disabled={!ready || corpus.trim() === '' || active}>
          Run on corpus
        </button>
      </form>
      <p className="subtle">
        Files are streamed in a worker thread, never read whole; each line of a .txt file and each .jsonl record is one document. A <span className="mono">lang</span> or{' '}
        <span className="mono">language</span> field in .jsonl records gives per-language rows. The job also shows under Jobs.
      </p>
      {!ready ? <p className="empty">Choose at least two tokenizers above.</p> : null}
      {error ? <ErrorNote error={error} /> : null}
      {job ? (
        <section className="cmp-corpus-job" aria-label="Corpus run">
          <div className="cmp-corpus-job-head">
            <span className={`state state-${job.state}`}>{job.state === 'running' ? 'Running' : job.state[0].toUpperCase() + job.state.slice(1)}</span>
            <span className="job-title">{job.title}</span>
            {active ? (
              <button type="button" className="btn small danger" onClick={() => void cancel()}>
                Cancel
              </button>
            ) : null}
          </div>
          <ProgressBar value={fraction} label="Corpus progress" state={job.state} />
          <p className="job-stats">
            <span>{Math.round(fraction * 100)}%</span>
            {p && p.bytesTotal > 0 ? (
              <>
                <span>
                  {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
                </span>
                <span>
                  {formatInt(p.filesDone ?? p.tensorsDone)} / {formatInt(p.filesTotal ?? p.tensorsTotal)} files
                </span>
                <span>{formatRate(p.bytesPerSec)}</span>
                {active ? <span>ETA {formatDuration(p.etaSec)}</span> : null}
              </>
            ) : active ? (
              <span>{p?.current === 'loading tokenizers' ? 'Loading tokenizers…' : 'Starting…'}</span>
            ) : null}
            {active && p?.current && p.current !== 'loading tokenizers' ? <span className="mono">{p.current}</span> : null}
          </p>
          {job.error && job.state === 'failed' ? <ErrorNote error={job.error} /> : null}
          {job.state === 'cancelled' ? <p className="subtle">Cancelled.</p> : null}
        </section>
      ) : null}
      {result && run ? <CorpusResult result={result} labels={run.labels} /> : null}
    </div>
  )
}

function GroupTable({ groups, labels, caption, first }: { groups: MetricsGroup[]; labels: string[]; caption: string; first: string }) {
  return (
    <div className="table-wrap">
      <table className="cmp-group-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              {first}
            </th>
            <th scope="col" rowSpan={2} className="num">
              Docs
            </th>
            <th scope="col" rowSpan={2} className="num">
              Chars
            </th>
            {labels.map((l, i) => (
              <th key={i} scope="colgroup" colSpan={3} className="cmp-group-head">
                <span className={`cmp-letter cmp-letter-${i}`} aria-hidden="true">
                  {LETTERS[i]}
                </span>{' '}
                {l}
              </th>
            ))}
          </tr>
          <tr>
            {labels.map((_, i) => (
              <FragmentCols key={i} />
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={`${g.kind}:${g.name}`}>
              <th scope="row" className="mono">
                {g.name}
              </th>
              <td className="num">{formatInt(g.documents)}</td>
              <td className="num">{formatInt(g.characters)}</td>
              {g.perTokenizer.map((m, i) => (
                <CellGroup key={i} tokens={m.tokens} cpt={m.charsPerToken} fertility={m.fertility} split={m.splitWordShare} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function FragmentCols() {
  return (
    <>
      <th scope="col" className="num">
        Tokens
      </th>
      <th scope="col" className="num">
        Chars/tok
      </th>
      <th scope="col" className="num">
        Fertility
      </th>
    </>
  )
}

function CellGroup({ tokens, cpt, fertility, split }: { tokens: number; cpt: number; fertility: number; split: number }) {
  return (
    <>
      <td className="num">{formatInt(tokens)}</td>
      <td className="num">{fmt(cpt)}</td>
      <td className="num" title={`${pct(split)} of words split`}>
        {fmt(fertility)}
      </td>
    </>
  )
}

function CorpusResult({ result, labels }: { result: MetricsResult; labels: string[] }) {
  return (
    <section className="cmp-corpus-result" aria-label="Corpus metrics">
      <h2 className="cmp-section-title">
        {result.files.length} file{result.files.length === 1 ? '' : 's'} · <span className="mono">{result.corpus}</span>
      </h2>
      <MetricsPanel metrics={result} labels={labels} title="Corpus metrics, all files" />
      {result.files.length > 1 ? (
        <>
          <h3>Per file</h3>
          <GroupTable groups={result.files} labels={labels} caption="Metrics per file" first="File" />
        </>
      ) : null}
      {result.languages.length ? (
        <>
          <h3>Per language</h3>
          <GroupTable groups={result.languages} labels={labels} caption="Metrics per language" first="Language" />
        </>
      ) : null}
      {result.skipped || result.badRecords || result.longLinesSplit || result.problems.length ? (
        <div className="cmp-notice-list">
          <p className="subtle">
            Skipped {formatInt(result.skipped)} blank line(s) or empty record(s); {formatInt(result.badRecords)} unreadable .jsonl record(s); {formatInt(result.longLinesSplit)} overlong line(s) cut.
          </p>
          {result.problems.length ? (
            <ul>
              {result.problems.map((pr, i) => (
                <li key={i} className="warn">
                  {pr}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  )
}
