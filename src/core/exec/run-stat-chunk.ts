import type { RowStat } from '../../shared/plan'
import type { FileIo } from './file-io'
import { rowGeometry } from './run-chunk'
import { rowSums } from './kernels'
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

/** Column sums (float64) over rows [rowStart, rowEnd) of a tensor but excludeRows; 'trained-mean' also skips rows with max |x| ≤ eps. */
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
  // The rows of [r0, r1) outside excludeRows, as maximal runs summed one after another.
  let count = 0
  let start = r0
  for (const x of [...(stat.excludeRows ?? []).filter((r) => r >= r0 && r < r1), r1]) {
    if (x > start) {
      const len = (x - start) * rowElems * bpe
      const at = ref.offset + start * rowElems * bpe
      count += rowSums(ref.dtype, x - start, rowElems, (into) => io.read(ref.file, at, len, into), sum, stat.kind === 'trained-mean', stat.eps ?? 1e-16, at)
    }
    start = Math.max(start, x + 1)
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
