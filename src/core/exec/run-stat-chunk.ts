import type { RowStat } from '../../shared/plan'
import type { FileIo } from './file-io'
import { rowGeometry, scratchBytes } from './run-chunk'
import { decodeToF32 } from '../dtype/convert'

export interface StatChunkTask {
  stat: RowStat
  rowStart: number
  rowEnd: number
}

export interface StatPartial {
  sum: Float64Array
  count: number
}

/** Column sums (float64) over rows [rowStart, rowEnd) of a tensor; 'trained-mean' skips rows with max |x| ≤ eps. */
export function runStatChunk(task: StatChunkTask, io: FileIo): StatPartial {
  const { stat, rowStart: r0, rowEnd: r1 } = task
  const ref = stat.tensor
  const { rowElems } = rowGeometry(ref.shape)
  const bpe = ref.byteLength / Math.max(1, ref.shape.reduce((a, b) => a * b, 1))
  const sum = new Float64Array(rowElems)
  if (stat.rowList) {
    const row = new Float32Array(rowElems)
    for (const r of stat.rowList) {
      decodeToF32(ref.dtype, io.read(ref.file, ref.offset + r * rowElems * bpe, rowElems * bpe), row)
      for (let j = 0; j < rowElems; j++) sum[j] += row[j]
    }
    return { sum, count: stat.rowList.length }
  }
  const n = (r1 - r0) * rowElems
  const len = n * bpe
  const vals = new Float32Array(scratchBytes('stat-vals', n * 4), 0, n)
  decodeToF32(ref.dtype, io.read(ref.file, ref.offset + r0 * rowElems * bpe, len, new Uint8Array(scratchBytes('stat-src', len), 0, len)), vals)
  let count = 0
  const eps = stat.eps ?? 1e-16
  for (let i = 0; i < r1 - r0; i++) {
    const row = vals.subarray(i * rowElems, (i + 1) * rowElems)
    if (stat.kind === 'trained-mean') {
      let max = 0
      for (let j = 0; j < rowElems; j++) {
        const a = Math.abs(row[j])
        if (a > max || Number.isNaN(a)) max = a
      }
      if (!(max > eps)) continue
    }
    for (let j = 0; j < rowElems; j++) sum[j] += row[j]
    count++
  }
  return { sum, count }
}

/** Combines partial sums into the mean row as f32. */
export function finishStat(parts: StatPartial[], width: number): Float32Array {
  const sum = new Float64Array(width)
  let count = 0
  for (const p of parts) {
    for (let j = 0; j < width; j++) sum[j] += p.sum[j]
    count += p.count
  }
  const out = new Float32Array(width)
  if (count > 0) for (let j = 0; j < width; j++) out[j] = sum[j] / count
  return out
}
