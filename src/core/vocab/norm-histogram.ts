import type { NormHistogram } from '../../shared/api'

/**
 * A histogram of row norms for a plot: where new rows sit against the old distribution, and where
 * untrained rows are. Bins are equal-width over [min, max] of all rows.
 */
export function normHistogram(opts: { tensor: string; norms: Float32Array; untrained?: number[]; newFrom?: number | null; bins?: number }): NormHistogram {
  const { norms } = opts
  const bins = opts.bins ?? 48
  let min = Infinity
  let max = -Infinity
  for (const x of norms) {
    if (!Number.isFinite(x)) continue
    if (x < min) min = x
    if (x > max) max = x
  }
  if (!Number.isFinite(min)) {
    min = 0
    max = 1
  }
  if (max === min) max = min + 1e-12
  const width = (max - min) / bins
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width)
  const counts = new Array(bins).fill(0)
  const untrained = new Array(bins).fill(0)
  const added = new Array(bins).fill(0)
  const binOf = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor((x - min) / width)))
  norms.forEach((x, i) => {
    if (!Number.isFinite(x)) return
    const b = binOf(x)
    counts[b]++
    if (opts.newFrom !== undefined && opts.newFrom !== null && i >= opts.newFrom) added[b]++
  })
  for (const i of opts.untrained ?? []) if (i < norms.length) untrained[binOf(norms[i])]++
  return { tensor: opts.tensor, rows: norms.length, min, max, edges, counts, untrained, added, newFrom: opts.newFrom ?? null }
}
