import { closeSync, openSync, readSync } from 'node:fs'
import type { TensorRef } from '../../shared/plan'
import { decodeToF32 } from '../dtype/convert'
import { matchPattern, readAdapter } from './read-adapter'

export interface ModuleDeltaNorm {
  module: string
  /** Layer index parsed from the module path (…layers.N…), or null. */
  layer: number | null
  kind: 'linear' | 'embedding'
  rank: number
  scaling: number
  /** ‖s·B·A‖_F, the size of the change the module makes. */
  norm: number
}

/** Reads one tensor's bytes by position (never the whole adapter file) and decodes them to f32. */
function readF32(ref: TensorRef): Float32Array {
  const bytes = new Uint8Array(ref.byteLength)
  const fd = openSync(ref.file, 'r')
  try {
    for (let done = 0; done < bytes.byteLength; ) {
      const n = readSync(fd, bytes, done, bytes.byteLength - done, ref.offset + done)
      if (n === 0) break
      done += n
    }
  } finally {
    closeSync(fd)
  }
  const out = new Float32Array(ref.shape.reduce((a, b) => a * b, 1))
  decodeToF32(ref.dtype, bytes, out)
  return out
}

/** Gram matrix G[i][j] = Σ_k X[i,k]·X[j,k] of the rows (rowsAreRank) or columns of a matrix. */
function gram(x: Float32Array, rows: number, cols: number, overRows: boolean): Float64Array {
  const r = overRows ? rows : cols
  const n = overRows ? cols : rows
  const g = new Float64Array(r * r)
  for (let i = 0; i < r; i++)
    for (let j = i; j < r; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += overRows ? x[i * cols + k] * x[j * cols + k] : x[k * cols + i] * x[k * cols + j]
      g[i * r + j] = s
      g[j * r + i] = s
    }
  return g
}

/**
 * Per-module size of an adapter's change, ‖s·B·A‖_F, without forming B·A:
 * ‖BA‖²_F = Σ_ij (BᵀB)_ij (AAᵀ)_ij, two r×r Gram matrices. For the per-layer plot.
 */
export async function adapterDeltaNorms(opts: { dir: string }): Promise<ModuleDeltaNorm[]> {
  const ad = await readAdapter(opts.dir)
  const out: ModuleDeltaNorm[] = []
  for (const [key, a] of ad.tensors) {
    const emb = key.endsWith('.lora_embedding_A')
    if (!key.endsWith('.lora_A.weight') && !emb) continue
    const path = key.slice(0, -(emb ? '.lora_embedding_A'.length : '.lora_A.weight'.length))
    const b = ad.tensors.get(path + (emb ? '.lora_embedding_B' : '.lora_B.weight'))
    if (!b || a.shape.length !== 2 || b.shape.length !== 2) continue
    const r = a.shape[0]
    const A = readF32(a)
    const B = readF32(b)
    const gA = gram(A, r, a.shape[1], true) // A Aᵀ (r×r)
    const gB = gram(B, b.shape[0], r, false) // Bᵀ B (r×r)
    let sq = 0
    for (let i = 0; i < r * r; i++) sq += gA[i] * gB[i]
    const alpha = matchPattern(ad.config.alphaPattern, path) ?? ad.config.loraAlpha
    const scaling = ad.config.useRslora ? alpha / Math.sqrt(r) : alpha / r
    const m = /(?:^|\.)(?:layers|h|blocks|layer)\.(\d+)\./.exec(path)
    out.push({ module: path, layer: m ? Number(m[1]) : null, kind: emb ? 'embedding' : 'linear', rank: r, scaling, norm: Math.abs(scaling) * Math.sqrt(Math.max(0, sq)) })
  }
  return out.sort((x, y) => (x.layer ?? -1) - (y.layer ?? -1) || (x.module < y.module ? -1 : 1))
}
