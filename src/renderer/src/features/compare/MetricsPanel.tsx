import { useId } from 'react'
import type { MetricsGroup, MetricsResult, TokenizerMetrics } from '../../../../shared/compare'
import { formatInt } from '../../lib/format'
import { fmt, LETTERS, ms, pct } from './compare-lib'

interface MetricRow {
  key: keyof TokenizerMetrics
  label: string
  help: string
  format: (v: number) => string
  /** Which way is better, for the chart's note (none for counts that only describe). */
  better?: 'lower' | 'higher'
}

export const METRIC_ROWS: MetricRow[] = [
  { key: 'tokens', label: 'Tokens', help: 'Tokens in the encoding', format: (v) => formatInt(v), better: 'lower' },
  { key: 'charsPerToken', label: 'Chars / token', help: 'Characters (code points) per token', format: (v) => fmt(v), better: 'higher' },
  { key: 'bytesPerToken', label: 'Bytes / token', help: 'UTF-8 bytes per token', format: (v) => fmt(v), better: 'higher' },
  { key: 'fertility', label: 'Fertility', help: 'Tokens per word', format: (v) => fmt(v), better: 'lower' },
  { key: 'splitWordShare', label: 'Words split', help: 'Share of words cut into more than one token', format: (v) => pct(v), better: 'lower' },
  { key: 'unknown', label: 'Unknown', help: 'Unknown (unk) tokens', format: (v) => formatInt(v), better: 'lower' },
  { key: 'byteFallback', label: 'Byte pieces', help: 'Byte-fallback pieces, and byte-level pieces that are only part of a character', format: (v) => formatInt(v), better: 'lower' },
  { key: 'timeMs', label: 'Time', help: 'Encode time (one run, includes reading results)', format: (v) => ms(v) },
]

const CHARTS: (keyof TokenizerMetrics)[] = ['tokens', 'charsPerToken', 'fertility', 'splitWordShare', 'byteFallback', 'timeMs']

/** The metrics table (metric rows × tokenizer columns) of one group. */
export function MetricsTable({ group, labels, caption }: { group: MetricsGroup; labels: string[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="cmp-metrics-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            {labels.map((l, i) => (
              <th key={i} scope="col" className="num">
                <span className={`cmp-letter cmp-letter-${i}`} aria-hidden="true">
                  {LETTERS[i]}
                </span>{' '}
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {METRIC_ROWS.map((r) => (
            <tr key={r.key} data-metric={r.key}>
              <th scope="row" title={r.help}>
                {r.label}
              </th>
              {group.perTokenizer.map((m, i) => (
                <td key={i} className="num">
                  {r.format(m[r.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const W = 300
const BAR_H = 18
const GAP = 6
const LEFT = 26
const RIGHT = 78

/** A horizontal bar chart of one metric, one bar per tokenizer, in the tokenizer's colour. */
export function BarChart({ title, values, format, labels, note }: { title: string; values: number[]; format: (v: number) => string; labels: string[]; note?: string }) {
  const uid = useId()
  const max = Math.max(0, ...values.filter(Number.isFinite))
  const h = values.length * (BAR_H + GAP) + GAP
  const pw = W - LEFT - RIGHT
  return (
    <figure className="cmp-bar-chart">
      <figcaption>
        {title}
        {note ? <span className="subtle"> · {note}</span> : null}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${h}`} role="img" aria-labelledby={`${uid}-t`}>
        <title id={`${uid}-t`}>{`${title}: ${values.map((v, i) => `${labels[i]} ${format(v)}`).join(', ')}`}</title>
        {values.map((v, i) => {
          const y = GAP + i * (BAR_H + GAP)
          const w = max > 0 && Number.isFinite(v) ? Math.max(v > 0 ? 1.5 : 0, (pw * v) / max) : 0
          return (
            <g key={i}>
              <text className="cmp-bar-letter" x={LEFT - 8} y={y + BAR_H / 2} dy="0.34em" textAnchor="end">
                {LETTERS[i]}
              </text>
              <rect className="cmp-bar-track" x={LEFT} y={y} width={pw} height={BAR_H} rx={3} />
              <rect className={`cmp-bar cmp-series-${i}`} x={LEFT} y={y} width={w} height={BAR_H} rx={3} />
              <text className="cmp-bar-value" x={LEFT + w + 6} y={y + BAR_H / 2} dy="0.34em">
                {format(v)}
              </text>
            </g>
          )
        })}
      </svg>
    </figure>
  )
}

/** Table and bar charts of a metrics result's total. */
export function MetricsPanel({ metrics, labels, title }: { metrics: MetricsResult; labels: string[]; title: string }) {
  const t = metrics.total
  return (
    <section className="cmp-metrics-panel" aria-label={title}>
      <p className="subtle">
        {formatInt(t.documents)} document{t.documents === 1 ? '' : 's'} · {formatInt(t.characters)} characters · {formatInt(t.bytes)} bytes · {formatInt(t.words)} words
        {metrics.addSpecialTokens ? ' · special tokens counted' : ''}
      </p>
      <MetricsTable group={t} labels={labels} caption={title} />
      <div className="cmp-bar-charts">
        {CHARTS.map((key) => {
          const row = METRIC_ROWS.find((r) => r.key === key)!
          return (
            <BarChart
              key={key}
              title={row.label}
              labels={labels}
              values={t.perTokenizer.map((m) => m[key])}
              format={row.format}
              note={row.better ? `${row.better} is better` : undefined}
            />
          )
        })}
      </div>
      <details className="cmp-metric-notes">
        <summary>How these are counted</summary>
        <p>
          <strong>Words:</strong> {metrics.wordDefinition}
        </p>
        <p>
          <strong>Documents:</strong> {metrics.documentDefinition}
        </p>
        <p>Time is one encode per tokenizer on this machine; treat small differences on short texts as noise.</p>
      </details>
    </section>
  )
}
