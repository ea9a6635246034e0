import type { PlannedJobResult } from '../../../../shared/api'
import { formatBytes, formatDuration, formatInt } from '../../lib/format'
import { NoteList } from './PlanView'

/** The job result as it crosses the API, checked loosely (a result is `unknown` in JobInfo). */
export function asPlannedResult(r: unknown): PlannedJobResult | null {
  const x = r as PlannedJobResult | null
  return x && typeof x === 'object' && typeof x.outDir === 'string' && x.verification && typeof x.verification === 'object' ? x : null
}

/** What a finished job wrote and how it read back: tensors, vocabulary sizes, tie, NaN/Inf. */
export function VerificationSummary({ result, compact = false }: { result: PlannedJobResult; compact?: boolean }) {
  const v = result.verification
  const tie = [...result.decisions].reverse().find((d) => d.code === 'UNTIED' || d.code === 'TIED_KEPT')
  const { configVocabSize: cfg, embedRows: emb, headRows: head } = v.vocab
  const vocabAgrees = (cfg === null || emb === null || cfg === emb) && (head === null || emb === null || head === emb)
  return (
    <div className={v.ok ? 'verify ok' : 'verify bad'}>
      <p className="verify-head" role="status">
        <span className="verify-mark" aria-hidden="true">
          {v.ok ? '✓' : '✗'}
        </span>
        {v.ok ? 'Verified: the output reads back as planned.' : 'Verification found problems in the output.'}
      </p>
      <dl className="verify-grid">
        {!compact ? (
          <div className="wide-cell">
            <dt>Output folder</dt>
            <dd className="mono">{result.outDir}</dd>
          </div>
        ) : null}
        {!compact ? (
          <div>
            <dt>Written</dt>
            <dd>
              {formatBytes(result.bytesWritten)} in {formatDuration(result.seconds)}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Tensors</dt>
          <dd>
            {formatInt(v.tensors)} {v.mismatched.length ? <span className="bad-text">· {v.mismatched.length} differ from the plan</span> : <span className="ok-text">· all as planned</span>}
          </dd>
        </div>
        <div>
          <dt>Vocabulary</dt>
          <dd>
            config {formatInt(cfg)} · embedding {formatInt(emb)} rows · head {formatInt(head)} rows {vocabAgrees ? <span className="ok-text">· agree</span> : <span className="bad-text">· disagree</span>}
          </dd>
        </div>
        <div>
          <dt>Embeddings</dt>
          <dd>{v.vocab.tied ? 'tied (the head shares the embedding)' : 'untied (separate head)'}</dd>
        </div>
        <div>
          <dt>NaN / Inf</dt>
          <dd>
            {v.nonFinite.length === 0 ? <span className="ok-text">none in the tensors Graft computed</span> : <span className="bad-text">{v.nonFinite.map((n) => `${n.tensor} (${formatInt(n.rows)} rows)`).join(', ')}</span>}
            {v.inheritedNonFinite?.length ? <span className="subtle"> · already in the base, kept: {v.inheritedNonFinite.map((n) => `${n.tensor} (${formatInt(n.rows)} rows)`).join(', ')}</span> : null}
          </dd>
        </div>
      </dl>
      {tie && !compact ? <p className="subtle">Tie decision: {tie.message}</p> : null}
      {v.mismatched.length ? <p className="bad-text">Differ from the plan: {v.mismatched.slice(0, 10).join(', ')}{v.mismatched.length > 10 ? ' …' : ''}</p> : null}
      {!compact ? (
        <>
          {/* "already exists" was answered by the replace confirmation; after the run it is stale. */}
          <NoteList kind="warning" notes={result.warnings.filter((w) => w.code !== 'OUTPUT_EXISTS')} />
          <NoteList kind="decision" notes={result.decisions} />
        </>
      ) : null}
    </div>
  )
}
