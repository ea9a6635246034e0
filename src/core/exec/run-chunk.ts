import { isFloatDtype } from '../../shared/dtypes'
import type { LoraTerm, TensorPlan, TensorRef } from '../../shared/plan'
import { decodeToF32, encodeFromF32, roundThrough } from '../dtype/convert'
import { CancelledError, GraftError } from '../errors'
import { FileIo } from './file-io'
import { DIRECT_IO_ALIGN, directScratch, loraRows, loraStored, type StoredLoraTerm } from './kernels'

/** One unit of work: rows [rowStart, rowEnd) of one output tensor. */
export interface ChunkTask {
  tensor: TensorPlan
  rowStart: number
  rowEnd: number
  /** Absolute path of the output shard file (already created at full size). */
  outFile: string
  /** Resolved row statistics by id, as f32 values already rounded to the output dtype. */
  stats: Record<number, Float32Array>
  /** Pure byte copy: rowStart/rowEnd are byte offsets within the tensor (any dtype, sub-byte too). */
  byteRange?: boolean
  /** Read sources around the page cache where possible (FileIo.readDirect); see useDirectReads. */
  directRead?: boolean
}

/** A tensor whose output bytes are a prefix of its source's bytes: copied without decoding. */
export function isByteCopy(t: TensorPlan): boolean {
  return !!t.source && t.source.dtype === t.dtype && t.byteLength <= t.source.byteLength && !t.newRows && !t.lora?.length && !t.dora && !t.setRows?.length && !t.biasTerms?.length
}

export interface ChunkContext {
  io: FileIo
  /** Cooperative cancel flag: non-zero means stop. */
  cancel?: Int32Array
  /** Adds bytes written to the shared progress counter. */
  onBytes?: (n: number) => void
}

export function rowGeometry(shape: number[]): { rows: number; rowElems: number } {
  if (shape.length === 0) return { rows: 1, rowElems: 1 }
  return { rows: shape[0], rowElems: shape.slice(1).reduce((a, b) => a * b, 1) }
}

function checkCancel(ctx: ChunkContext): void {
  if (ctx.cancel && Atomics.load(ctx.cancel, 0) !== 0) throw new CancelledError()
}

/**
 * Per-thread scratch buffers, reused across chunks: allocating fresh multi-MB arrays for every
 * chunk costs page faults and zeroing that dominated the merge profile. Chunks are bounded by
 * CHUNK_F32_BYTES, so these stay bounded too.
 */
const scratch = new Map<string, ArrayBuffer>()
export function scratchBytes(name: string, bytes: number): ArrayBuffer {
  let b = scratch.get(name)
  if (!b || b.byteLength < bytes) {
    b = new ArrayBuffer(Math.max(bytes, b ? b.byteLength * 2 : 0))
    scratch.set(name, b)
  }
  return b
}

function readRowsF32(io: FileIo, ref: TensorRef, r0: number, r1: number, into?: Float32Array): Float32Array {
  const { rowElems } = rowGeometry(ref.shape)
  const bpe = ref.byteLength / Math.max(1, ref.shape.reduce((a, b) => a * b, 1))
  const out = into ?? new Float32Array((r1 - r0) * rowElems)
  if (r1 <= r0) return out
  const len = (r1 - r0) * rowElems * bpe
  const bytes = io.read(ref.file, ref.offset + r0 * rowElems * bpe, len, into ? new Uint8Array(scratchBytes('src', len), 0, len) : undefined)
  decodeToF32(ref.dtype, bytes, out)
  return out
}

/** Whole-tensor f32 read of a small tensor (LoRA factors, magnitudes, biases). */
function readFactor(io: FileIo, ref: TensorRef): Float32Array {
  return readRowsF32(io, ref, 0, rowGeometry(ref.shape).rows)
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length)
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j]
  return t
}

/**
 * Adds one LoRA term to rows [r0, r1) held in `vals` (f32, row-major).
 * Linear: W[o,:] += s·Σ_k B[o,k]·A[k,:]. Conv1D (W is (in,out)): W[i,:] += s·Σ_k A[k,i]·Bᵀ[k,:].
 * Embedding: W[v,:] += s·Σ_k A[k,v]·Bᵀ[k,:]. Sequential k accumulation in f32, as PEFT's CPU path.
 */
function loraOperands(io: FileIo, term: LoraTerm, r0: number, r1: number): { coefs: Float32Array; m: Float32Array } {
  const A = readFactor(io, term.a)
  const r = term.rank
  // Linear: row o of W uses B[o, :], so only the chunk's rows of B are read; m = A (r, in).
  if (term.kind === 'linear') return { m: A, coefs: readRowsF32(io, term.b, r0, r1) }
  const B = readFactor(io, term.b)
  const m = transpose(B, term.b.shape[0], r) // (r, out|dim)
  const aCols = term.a.shape[1]
  const coefs = new Float32Array((r1 - r0) * r) // row i of W uses A[:, i]
  for (let row = r0; row < r1; row++) for (let k = 0; k < r; k++) coefs[(row - r0) * r + k] = A[k * aCols + row]
  return { m, coefs }
}

function applyLora(io: FileIo, term: LoraTerm, vals: Float32Array, r0: number, r1: number, width: number, outDtype: TensorPlan['dtype'], skipFinalRound: boolean): void {
  const { coefs, m } = loraOperands(io, term, r0, r1)
  // W[row] = f32(W[row] + Δ[row]) with Δ accumulated in k order (rounded to the dtype first for Embedding).
  loraRows(coefs, term.rank, m, width, term.scaling, vals, term.rounding === 'double' ? outDtype : 'F32')
  if (!skipFinalRound) roundThrough(outDtype, vals)
}

/**
 * The common merge chunk, fused: rows read from the source in the output dtype (F32/BF16/F16)
 * whose only change is LoRA terms. The stored bytes go from the file into the kernel's memory,
 * are updated in place term by term (each rounded to the dtype, as applyLora + roundThrough) and
 * written out from there: no f32 working copy, no separate decode/round/encode passes.
 */
function isFusedLora(t: TensorPlan, r0: number, r1: number, rowElems: number): boolean {
  const src = t.source
  if (!src || src.dtype !== t.dtype || (t.dtype !== 'F32' && t.dtype !== 'BF16' && t.dtype !== 'F16')) return false
  if (!t.lora?.length || t.newRows || t.setRows?.length || t.dora || t.biasTerms?.length) return false
  const g = rowGeometry(src.shape)
  return g.rowElems === rowElems && g.rows >= r1 && r0 < r1
}

function runFusedLora(task: ChunkTask, ctx: ChunkContext, rowElems: number, outOffset: number): void {
  const t = task.tensor
  const src = t.source!
  const { rowStart: r0, rowEnd: r1 } = task
  const eb = t.dtype === 'F32' ? 4 : 2
  const terms: StoredLoraTerm[] = t.lora!.map((term) => {
    const { coefs, m } = loraOperands(ctx.io, term, r0, r1)
    return { coefs, m, r: term.rank, s: term.scaling, roundDelta: term.rounding === 'double' ? t.dtype : 'F32' }
  })
  checkCancel(ctx)
  const readAt = src.offset + r0 * rowElems * eb
  loraStored(
    t.dtype,
    r1 - r0,
    rowElems,
    terms,
    (into) => readSource(task, ctx, src.file, readAt, into),
    (from) => ctx.io.write(task.outFile, outOffset, from),
    readAt,
  )
  ctx.onBytes?.((r1 - r0) * rowElems * eb)
}

function readSource(task: ChunkTask, ctx: ChunkContext, file: string, offset: number, into: Uint8Array): void {
  if (task.directRead) ctx.io.readDirect(file, offset, into, DIRECT_IO_ALIGN)
  else ctx.io.read(file, offset, into.length, into)
}

/** Executes one chunk: builds the output rows in f32 (or copies bytes) and writes them in place. */
export function runChunk(task: ChunkTask, ctx: ChunkContext): void {
  const t = task.tensor
  const { rowStart: r0, rowEnd: r1 } = task
  const { rowElems } = rowGeometry(t.shape)
  const outBpe = t.byteLength / Math.max(1, t.shape.reduce((a, b) => a * b, 1))
  const outOffset = t.offset + r0 * rowElems * outBpe
  checkCancel(ctx)
  if (task.byteRange) {
    const src = t.source!
    const SLICE = 8 << 20
    const total = r1 - r0
    for (let done = 0; done < total; done += SLICE) {
      checkCancel(ctx)
      const n = Math.min(SLICE, total - done)
      // A per-thread scratch (reused: fresh 8 MiB buffers pay their page faults every time),
      // placed so the read can bypass the page cache.
      const view = directScratch(n, src.offset + r0 + done)
      readSource(task, ctx, src.file, src.offset + r0 + done, view)
      ctx.io.write(task.outFile, t.offset + r0 + done, view)
      ctx.onBytes?.(n)
    }
    return
  }
  if (!isFloatDtype(t.dtype) || (t.source && !isFloatDtype(t.source.dtype)))
    throw new GraftError('DTYPE_MISMATCH', `Tensor "${t.name}" is ${t.source?.dtype ?? t.dtype}; Graft computes only with F32, F16 and BF16 and can only copy other dtypes unchanged.`, { tensor: t.name })
  if (isFusedLora(t, r0, r1, rowElems)) return runFusedLora(task, ctx, rowElems, outOffset)
  const n = (r1 - r0) * rowElems
  const vals = new Float32Array(scratchBytes('vals', n * 4), 0, n)
  // 1. Leading rows from the source, cast to the output dtype first (as loading into D does).
  const srcRows = t.source ? rowGeometry(t.source.shape).rows : 0
  const fromSrcEnd = Math.min(r1, srcRows)
  const fromSrc = t.source && fromSrcEnd > r0 ? (fromSrcEnd - r0) * rowElems : 0
  if (fromSrc > 0) {
    const v = readRowsF32(ctx.io, t.source!, r0, fromSrcEnd, vals.subarray(0, fromSrc))
    if (t.source!.dtype !== t.dtype) roundThrough(t.dtype, v)
  }
  vals.fill(0, fromSrc) // rows with no source start at zero (the scratch holds the last chunk's values)
  // 2. New rows from statistics (rounded to the output dtype), optionally with seeded noise.
  if (t.newRows) {
    const init = t.newRows.init
    const from = t.newRows.from
    const rounded = new Map<number, Float32Array>()
    const vecFor = (id: number) => {
      let v = rounded.get(id)
      if (!v) {
        v = Float32Array.from(task.stats[id])
        if (!('noise' in init && init.noise)) roundThrough(t.dtype, v)
        rounded.set(id, v)
      }
      return v
    }
    for (let row = Math.max(r0, from); row < r1; row++) {
      const at = (row - r0) * rowElems
      if ('zeros' in init) continue
      const vec = 'perRow' in init ? vecFor(init.perRow[row - from]) : vecFor(init.stat)
      if ('stat' in init && init.noise) {
        const noisy = new Float32Array(rowElems)
        for (let j = 0; j < rowElems; j++) noisy[j] = vec[j] + init.noise.std * gaussian(init.noise.seed, row, j)
        roundThrough(t.dtype, noisy)
        vals.set(noisy, at)
      } else vals.set(vec, at)
    }
  }
  // 3. Whole-row replacements.
  for (const sr of t.setRows ?? []) {
    for (let i = 0; i < sr.rows.length; i++) {
      const row = sr.rows[i]
      if (row < r0 || row >= r1) continue
      let v: Float32Array
      if ('tensor' in sr.from) {
        v = readRowsF32(ctx.io, sr.from.tensor, i, i + 1)
        roundThrough(t.dtype, v)
      } else {
        v = Float32Array.from(task.stats[sr.from.stat])
        roundThrough(t.dtype, v)
      }
      vals.set(v, (row - r0) * rowElems)
    }
  }
  checkCancel(ctx)
  // 4. LoRA terms, each rounded to the output dtype as PEFT stores W between adapters.
  const terms = t.lora ?? []
  terms.forEach((term, i) => {
    applyLora(ctx.io, term, vals, r0, r1, rowElems, t.dtype, !!t.dora && i === terms.length - 1)
    checkCancel(ctx)
  })
  // 5. DoRA rescale: W' = round(m / ‖W + Δ‖ · (W + Δ)).
  if (t.dora) {
    const m = readFactor(ctx.io, t.dora.magnitude)
    const rows = r1 - r0
    const norms = new Float64Array(t.dora.normAxis === 'row' ? rows : rowElems)
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rowElems; j++) {
        const x = vals[i * rowElems + j]
        norms[t.dora.normAxis === 'row' ? i : j] += x * x
      }
    }
    const factor = new Float32Array(norms.length)
    for (let k = 0; k < norms.length; k++) {
      const mk = m[t.dora.normAxis === 'row' ? r0 + k : k]
      factor[k] = Math.fround(mk / Math.fround(Math.sqrt(norms[k])))
    }
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rowElems; j++) {
        const f = factor[t.dora.normAxis === 'row' ? i : j]
        vals[i * rowElems + j] = Math.fround(f * vals[i * rowElems + j])
      }
    }
    roundThrough(t.dtype, vals)
  }
  // 6. Bias terms: b += s · lora_B.bias (1-D tensors).
  for (const bt of t.biasTerms ?? []) {
    const lb = readFactor(ctx.io, bt.bias)
    const s32 = Math.fround(bt.scaling)
    for (let row = r0; row < r1; row++) vals[row - r0] = Math.fround(vals[row - r0] + Math.fround(lb[row] * s32))
    roundThrough(t.dtype, vals)
  }
  const out = new Uint8Array(scratchBytes('out', vals.length * outBpe), 0, vals.length * outBpe)
  encodeFromF32(t.dtype, vals, out)
  ctx.io.write(task.outFile, outOffset, out)
  ctx.onBytes?.(out.length)
}

/** A standard normal value that depends only on (seed, row, col): chunking never changes it. */
export function gaussian(seed: number, row: number, col: number): number {
  const u1 = (hash32(seed, row, col, 0x9e3779b9) + 0.5) / 4294967296
  const u2 = (hash32(seed, row, col, 0x85ebca6b) + 0.5) / 4294967296
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

function hash32(a: number, b: number, c: number, salt: number): number {
  let h = (salt ^ Math.imul(a, 0x27d4eb2d)) >>> 0
  h = Math.imul(h ^ (b + 0x165667b1), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13) ^ (c + 0x27d4eb2f), 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d) >>> 0
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}
