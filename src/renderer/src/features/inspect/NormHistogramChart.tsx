import { useId } from 'react'
import type { NormHistogram } from '../../../../shared/api'
import { formatInt } from '../../lib/format'
import { axisNumber } from '../flow/chart-utils'

const W = 640
const H = 250
const M = { l: 58, r: 14, t: 26, b: 46 }

/**
 * Row-norm histogram of one vocab tensor (log-scaled counts, so a handful of rows still shows):
 * trained rows, new rows (from `newFrom`) and untrained rows in their own colours, so a user sees
 * whether new rows sit inside the old distribution and where the untrained ones are.
 */
export function NormHistogramChart({ hist }: { hist: NormHistogram }) {
  const uid = useId()
  const n = hist.counts.length
  const pw = W - M.l - M.r
  const ph = H - M.t - M.b
  const bw = pw / n
  const maxCount = Math.max(1, ...hist.counts)
  const logMax = Math.log10(1 + maxCount)
  const h = (c: number) => (c <= 0 ? 0 : (ph * Math.log10(1 + c)) / logMax)
  const yTicks = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000].filter((t) => t <= maxCount * 1.0001)
  const xTickIdx = [0, Math.round(n / 4), Math.round(n / 2), Math.round((3 * n) / 4), n]
  const untrainedTotal = hist.untrained.reduce((a, b) => a + b, 0)
  const addedTotal = hist.added.reduce((a, b) => a + b, 0)
  const labelled = hist.untrained.map((u, i) => [u, i] as const).filter(([u]) => u > 0)
  const titleId = `${uid}-title`
  const descId = `${uid}-desc`
  return (
    <figure className="chart">
      <figcaption>
        <span className="mono">{hist.tensor}</span> <span className="subtle">· {formatInt(hist.rows)} rows · norms {axisNumber(hist.min)} to {axisNumber(hist.max)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart-svg" role="img" aria-labelledby={`${titleId} ${descId}`}>
        <title id={titleId}>Row-norm histogram of {hist.tensor}</title>
        <desc id={descId}>
          {formatInt(hist.rows)} rows with L2 norms from {axisNumber(hist.min)} to {axisNumber(hist.max)}; {formatInt(untrainedTotal)} untrained
          {hist.newFrom !== null ? ` and ${formatInt(addedTotal)} new rows (from id ${hist.newFrom})` : ''}.
        </desc>
        <g transform={`translate(${M.l},${M.t})`}>
          {yTicks.map((t) => (
            <g key={t} className="tick">
              <line className="grid" x1={0} x2={pw} y1={ph - h(t)} y2={ph - h(t)} />
              <text x={-6} y={ph - h(t)} dy="0.32em" textAnchor="end">
                {t >= 1000 ? `${t / 1000}k` : t}
              </text>
            </g>
          ))}
          {hist.counts.map((c, i) => {
            if (c === 0) return null
            const un = Math.min(c, hist.untrained[i])
            const ad = Math.min(c - un, hist.added[i])
            const tr = c - un - ad
            const total = h(c)
            const seg = (k: number) => (total * k) / c
            const x = i * bw + 0.5
            const w = Math.max(1, bw - 1)
            let y = ph
            const parts: [number, string][] = [
              [tr, 'bar-trained'],
              [ad, 'bar-new'],
              [un, 'bar-untrained'],
            ]
            return (
              <g key={i}>
                <title>{`${axisNumber(hist.edges[i])}–${axisNumber(hist.edges[i + 1])}: ${formatInt(c)} rows${ad ? `, ${formatInt(ad)} new` : ''}${un ? `, ${formatInt(un)} untrained` : ''}`}</title>
                {parts.map(([k, cls]) => {
                  if (k <= 0) return null
                  const hh = Math.max(seg(k), 1.5)
                  y -= hh
                  return <rect key={cls} className={cls} x={x} y={y} width={w} height={hh} />
                })}
              </g>
            )
          })}
          {labelled.map(([u, i]) => {
            const x = i * bw + bw / 2
            const top = ph - h(hist.counts[i])
            return (
              <g key={`u${i}`} className="marker-untrained">
                <line x1={x} x2={x} y1={top - 4} y2={top - 14} />
                <text x={x + (i < n / 2 ? -2 : 2)} y={top - 17} textAnchor={i < n / 2 ? 'start' : 'end'}>
                  {formatInt(u)} untrained
                </text>
              </g>
            )
          })}
          <line className="axis" x1={0} x2={pw} y1={ph} y2={ph} />
          <line className="axis" x1={0} x2={0} y1={0} y2={ph} />
          {xTickIdx.map((k, j) => (
            <g key={j} className="tick">
              <line className="axis" x1={k * bw} x2={k * bw} y1={ph} y2={ph + 4} />
              <text x={k * bw} y={ph + 16} textAnchor={j === 0 ? 'start' : j === xTickIdx.length - 1 ? 'end' : 'middle'}>
                {axisNumber(hist.edges[Math.min(k, n)])}
              </text>
            </g>
          ))}
          <text className="axis-label" x={pw / 2} y={ph + 36} textAnchor="middle">
            Row L2 norm
          </text>
          <text className="axis-label" transform={`translate(${-44},${ph / 2}) rotate(-90)`} textAnchor="middle">
            Rows (log scale)
          </text>
        </g>
      </svg>
      <ul className="legend" aria-label="Legend">
        <li>
          <span className="swatch bar-trained" aria-hidden="true" />
          Trained rows
        </li>
        {hist.newFrom !== null ? (
          <li>
            <span className="swatch bar-new" aria-hidden="true" />
            New rows (ids ≥ {formatInt(hist.newFrom)}): {formatInt(addedTotal)}
          </li>
        ) : null}
        <li>
          <span className="swatch bar-untrained" aria-hidden="true" />
          Untrained rows: {formatInt(untrainedTotal)}
        </li>
      </ul>
    </figure>
  )
}
