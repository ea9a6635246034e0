import { useId, useMemo } from 'react'
import type { ModuleDeltaNorm } from '../../../../shared/api'
import { formatInt } from '../../lib/format'
import { axisNumber, niceTicks } from '../flow/chart-utils'

const W = 720
const H = 270
const M = { l: 58, r: 14, t: 14, b: 46 }
/** Colour classes (series-0 … series-9 in inspect.css); more module kinds than this reuse them. */
const SERIES_COLOURS = 10
const CANONICAL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']

export function shortModule(m: string): string {
  return m.split('.').pop() ?? m
}

/** Per-layer ‖s·B·A‖ of a LoRA adapter, one bar per module kind, grouped by layer. */
export function DeltaNormChart({ norms }: { norms: ModuleDeltaNorm[] }) {
  const uid = useId()
  const { layers, series, byKey, max } = useMemo(() => {
    const inLayers = norms.filter((n) => n.layer !== null)
    const layers = [...new Set(inLayers.map((n) => n.layer!))].sort((a, b) => a - b)
    const kinds = [...new Set(inLayers.map((n) => shortModule(n.module)))]
    const series = [...CANONICAL.filter((k) => kinds.includes(k)), ...kinds.filter((k) => !CANONICAL.includes(k)).sort()]
    // Two modules of one kind in a layer (e.g. vision and text towers) add up in quadrature.
    const byKey = new Map<string, number>()
    for (const n of inLayers) {
      const k = `${n.layer}|${shortModule(n.module)}`
      byKey.set(k, Math.hypot(byKey.get(k) ?? 0, n.norm))
    }
    return { layers, series, byKey, max: Math.max(0, ...byKey.values()) }
  }, [norms])
  if (layers.length === 0) return <p className="subtle">No module of this adapter sits in a numbered layer, so there is no per-layer plot.</p>
  const pw = W - M.l - M.r
  const ph = H - M.t - M.b
  const ticks = niceTicks(max || 1, 4)
  const top = ticks[ticks.length - 1]
  const gw = pw / layers.length
  const bw = Math.max(1, (gw * 0.82) / series.length)
  const y = (v: number) => ph - (ph * v) / top
  const labelEvery = Math.ceil(layers.length / 24)
  return (
    <figure className="chart delta-chart">
      <figcaption>
        ‖s·B·A‖<sub>F</sub> per layer and module <span className="subtle">· {formatInt(norms.length)} modules</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart-svg" role="img" aria-labelledby={`${uid}-t`}>
        <title id={`${uid}-t`}>
          LoRA delta norms for {layers.length} layers and {series.length} module kinds; the largest is {axisNumber(max)}.
        </title>
        <g transform={`translate(${M.l},${M.t})`}>
          {ticks.map((t) => (
            <g key={t} className="tick">
              <line className="grid" x1={0} x2={pw} y1={y(t)} y2={y(t)} />
              <text x={-6} y={y(t)} dy="0.32em" textAnchor="end">
                {axisNumber(t)}
              </text>
            </g>
          ))}
          {layers.map((l, li) => (
            <g key={l} transform={`translate(${li * gw + gw * 0.09},0)`}>
              {series.map((s, si) => {
                const v = byKey.get(`${l}|${s}`)
                if (v === undefined) return null
                return (
                  <rect key={s} className={`series-${si % SERIES_COLOURS}`} x={si * bw} y={y(v)} width={Math.max(0.8, bw - (bw > 3 ? 1 : 0))} height={Math.max(0.5, ph - y(v))}>
                    <title>{`layer ${l} ${s}: ${axisNumber(v)}`}</title>
                  </rect>
                )
              })}
              {li % labelEvery === 0 ? (
                <text className="tick-text" x={gw * 0.41} y={ph + 16} textAnchor="middle">
                  {l}
                </text>
              ) : null}
            </g>
          ))}
          <line className="axis" x1={0} x2={pw} y1={ph} y2={ph} />
          <line className="axis" x1={0} x2={0} y1={0} y2={ph} />
          <text className="axis-label" x={pw / 2} y={ph + 36} textAnchor="middle">
            Layer
          </text>
          <text className="axis-label" transform={`translate(${-44},${ph / 2}) rotate(-90)`} textAnchor="middle">
            ‖ΔW‖ (Frobenius)
          </text>
        </g>
      </svg>
      <ul className="legend" aria-label="Legend">
        {series.map((s, si) => (
          <li key={s}>
            <span className={`swatch series-${si % SERIES_COLOURS}`} aria-hidden="true" />
            {s}
          </li>
        ))}
      </ul>
    </figure>
  )
}
