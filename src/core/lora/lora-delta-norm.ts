import type { TensorRef } from '../../shared/plan'
import { decodeToF32 } from '../dtype/convert'
import type { FileIo } from '../exec/file-io'

/** Gram matrix of the rows (overRows) or the columns of a rows × cols matrix, in f64. */
function gram(x: Float32Array, rows: number, cols: number, overRows: boolean): Float64Array {
  const r = overRows ? rows : cols
  const n = overRows ? cols : rows
  const g = new Float64Array(r * r)
  if (overRows) {
    for (let i = 0; i < r; i++)
      for (let j = i; j < r; j++) {
        let s = 0
        const bi = i * cols
        const bj = j * cols
        for (let k = 0; k < n; k++) s += x[bi + k] * x[bj + k]
        g[i * r + j] = s
        g[j * r + i] = s
      }
    return g
  }
  // Columns: accumulate row by row (x is row-major), so the walk over x stays sequential.
  for (let k = 0; k < n; k++) {
    const row = k * cols
    for (let i = 0; i < r; i++) {
      const xi = x[row + i]
      if (xi === 0) continue
      for (let j = i; j < r; j++) g[i * r + j] += xi * x[row + j]
    }
  }
  for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) g[i * r + j] = g[j * r + i]
  return g
}

function readF32(io: FileIo, ref: TensorRef): Float32Array {
  const bytes = io.read(ref.file, ref.offset, ref.byteLength)
  const out = new Float32Array(ref.shape.reduce((a, b) => a * b, 1))
  decodeToF32(ref.dtype, bytes, out)
  return out
}

/**
 * ‖B·A‖²_F of one LoRA module without forming B·A: Σ_ij (A·Aᵀ)_ij (Bᵀ·B)_ij, two r × r Gram
 * matrices (A is (r, in), B is (out, r); for Embedding LoRA, lora_embedding_A (r, vocab) and
 * lora_embedding_B (dim, r) have the same roles). Runs in a pool worker: for a rank-64 adapter on
 * a 7B model it is billions of multiply-adds.
 */
export function loraDeltaSquaredNorm(io: FileIo, a: TensorRef, b: TensorRef): number {
  const r = a.shape[0]
  const gA = gram(readF32(io, a), r, a.shape[1], true)
  const gB = gram(readF32(io, b), b.shape[0], r, false)
  let sq = 0
  for (let i = 0; i < r * r; i++) sq += gA[i] * gB[i]
  return Math.max(0, sq)
}
