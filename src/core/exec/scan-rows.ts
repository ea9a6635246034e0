import type { TensorRef } from '../../shared/plan'
import { decodeToF32 } from '../dtype/convert'
import type { FileIo } from './file-io'
import { rowGeometry, scratchBytes } from './run-chunk'

export interface RowScanTask {
  tensor: TensorRef
  rowStart: number
  rowEnd: number
}

/** Per-row facts of a tensor's rows: L2 norm, max |x|, and a hash of the row rounded to 3 decimals. */
export interface RowScan {
  rowStart: number
  norms: Float32Array
  maxAbs: Float32Array
  /** Equal rows (to 3 decimals, as Unsloth's repeated-row test rounds) have equal hashes. */
  hashes: Uint32Array
}

/**
 * Bytes of rows [rowStart, rowEnd) of a tensor, as an exact integer: the progress counter is a
 * BigInt, and `byteLength * (k / rows)` is not an integer for many real shapes (128256 x 4096 …).
 */
export function rowRangeBytes(ref: TensorRef, rowStart: number, rowEnd: number): number {
  const { rows } = rowGeometry(ref.shape)
  return rows > 0 ? (rowEnd - rowStart) * (ref.byteLength / rows) : 0
}

export function scanRows(task: RowScanTask, io: FileIo): RowScan {
  const { tensor: ref, rowStart: r0, rowEnd: r1 } = task
  const { rowElems } = rowGeometry(ref.shape)
  const bpe = ref.byteLength / Math.max(1, ref.shape.reduce((a, b) => a * b, 1))
  const n = r1 - r0
  const len = n * rowElems * bpe
  const vals = new Float32Array(scratchBytes('scan-vals', n * rowElems * 4), 0, n * rowElems)
  decodeToF32(ref.dtype, io.read(ref.file, ref.offset + r0 * rowElems * bpe, len, new Uint8Array(scratchBytes('scan-src', len), 0, len)), vals)
  const norms = new Float32Array(n)
  const maxAbs = new Float32Array(n)
  const hashes = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    let ss = 0
    let mx = 0
    let h = 0x811c9dc5
    for (let j = 0; j < rowElems; j++) {
      const x = vals[i * rowElems + j]
      ss += x * x
      const a = Math.abs(x)
      if (a > mx || Number.isNaN(a)) mx = a
      const q = Math.round(x * 1000) | 0
      h = Math.imul(h ^ (q & 0xffff), 0x01000193)
      h = Math.imul(h ^ (q >>> 16), 0x01000193)
    }
    norms[i] = Math.sqrt(ss)
    maxAbs[i] = mx
    hashes[i] = h >>> 0
  }
  return { rowStart: r0, norms, maxAbs, hashes }
}
