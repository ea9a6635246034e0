import type { ScanResult } from '../../../../shared/api'
import type { VocabCheck, VocabTruthTable } from '../../../../shared/vocab'
import { formatInt } from '../../lib/format'

const SEVERITY: Record<VocabCheck['severity'], { icon: string; label: string }> = {
  ok: { icon: '✓', label: 'OK' },
  info: { icon: 'i', label: 'Info' },
  warning: { icon: '!', label: 'Warning' },
  error: { icon: '✕', label: 'Error' },
}

/** The table's checks, completed with what a row scan found (vocab.table itself does not scan). */
export function checksWithScan(table: VocabTruthTable, scan: ScanResult | null): VocabCheck[] {
  if (!scan) return table.checks
  const inTok = scan.untrained.filter((u) => table.tokenizerSize === null || u.id < table.tokenizerSize)
  if (inTok.length === 0 || table.checks.some((c) => c.code === 'UNTRAINED_ROWS')) return table.checks
  const rest = table.checks.filter((c) => c.code !== 'CONSISTENT')
  const sample = inTok
    .slice(0, 5)
    .map((u) => `${u.id} ${JSON.stringify(u.token)}`)
    .join(', ')
  return [
    ...rest,
    {
      code: 'UNTRAINED_ROWS',
      severity: 'warning',
      message: `${inTok.length} token(s) have untrained rows (all zeros${scan.untrainedHead.length ? ', or repeated head rows' : ''}), e.g. ${sample}. Training on text that contains them gives NaN losses.`,
      fix: { kind: 'untrained-fix', command: `graft untrained fix --in ${table.dir} --out OUT` },
    },
  ]
}

/** The vocabulary truth table: every size that must agree, each check with its severity and a one-click fix. */
export function VocabPanel(props: { table: VocabTruthTable; scan: ScanResult | null; onResize: (newSize?: number) => void; onRepair: () => void; onAddTokens: () => void }) {
  const { table: t, scan } = props
  const checks = checksWithScan(t, scan)
  const short = t.tokenizerSize !== null && t.embedRows !== null && t.tokenizerSize > t.embedRows
  const cfgOff = t.configVocabSize !== null && t.embedRows !== null && t.configVocabSize !== t.embedRows
  const headOff = t.headRows !== null && t.embedRows !== null && t.headRows !== t.embedRows
  const cells: { label: string; value: string; note?: string; warn?: boolean }[] = [
    { label: 'Tokenizer length', value: formatInt(t.tokenizerSize), note: 'len(tokenizer)', warn: short },
    { label: 'Tokenizer model vocab', value: formatInt(t.modelVocabSize), note: 'before added tokens' },
    { label: 'Added tokens', value: formatInt(t.addedTokens.length) },
    { label: `config ${t.configVocabField || 'vocab_size'}`, value: formatInt(t.configVocabSize), warn: cfgOff },
    { label: 'Embedding rows', value: formatInt(t.embedRows), note: t.embedName ?? undefined, warn: short || cfgOff },
    { label: 'Head rows', value: t.headName ? formatInt(t.headRows) : t.tied ? `${formatInt(t.headRows)} (tied)` : '—', note: t.headName ?? (t.tied ? 'tied to the embedding' : undefined), warn: headOff },
    { label: 'Padding rows', value: formatInt(t.paddingRows), note: 'rows with no token' },
    { label: 'Untrained rows', value: scan ? formatInt(scan.untrained.length) : 'not scanned', note: scan ? 'from the row scan' : 'run “Scan rows” below', warn: !!scan && scan.untrained.length > 0 },
  ]
  return (
    <section className="panel" aria-labelledby="vocab-title">
      <div className="panel-head">
        <h2 id="vocab-title">Vocabulary</h2>
        <div className="panel-actions">
          <button type="button" className="btn small" onClick={props.onAddTokens}>
            Add tokens…
          </button>
          <button type="button" className="btn small" onClick={() => props.onResize()}>
            Resize…
          </button>
        </div>
      </div>
      <dl className="truth-grid">
        {cells.map((c) => (
          <div key={c.label} className={c.warn ? 'truth-cell warn-cell' : 'truth-cell'}>
            <dt>{c.label}</dt>
            <dd>{c.value}</dd>
            {c.note ? <dd className="truth-note mono">{c.note}</dd> : null}
          </div>
        ))}
      </dl>
      <ul className="checks" aria-label="Checks">
        {checks.map((c, i) => (
          <li key={`${c.code}-${i}`} className={`check sev-${c.severity}`}>
            <span className={`sev sev-${c.severity}`} title={SEVERITY[c.severity].label}>
              <span aria-hidden="true">{SEVERITY[c.severity].icon}</span>
              <span className="sr-only">{SEVERITY[c.severity].label}</span>
            </span>
            <div className="check-body">
              <p>
                <span className="check-code">{c.code.replace(/_/g, ' ').toLowerCase()}</span> {c.message}
              </p>
              {c.fix ? <p className="check-command mono" title="The same fix from the command line">$ {c.fix.command}</p> : null}
            </div>
            {c.fix?.kind === 'resize' ? (
              <button type="button" className="btn small primary" onClick={() => props.onResize(c.fix?.kind === 'resize' ? c.fix.newSize : undefined)}>
                Resize to {formatInt(c.fix.newSize)}…
              </button>
            ) : c.fix?.kind === 'untrained-fix' ? (
              <button type="button" className="btn small primary" onClick={props.onRepair}>
                Repair untrained rows…
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {t.addedTokens.length ? (
        <details className="added-tokens">
          <summary>Added tokens ({formatInt(t.addedTokens.length)})</summary>
          <ul>
            {t.addedTokens.slice(0, 500).map((a) => (
              <li key={a.id}>
                <span className="num">{a.id}</span> <span className="mono tok-chip">{a.content}</span>
                {a.special ? <span className="chip">special</span> : null}
              </li>
            ))}
          </ul>
          {t.addedTokens.length > 500 ? <p className="subtle">…and {formatInt(t.addedTokens.length - 500)} more.</p> : null}
        </details>
      ) : null}
    </section>
  )
}
