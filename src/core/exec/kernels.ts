/**
 * Hot inner loops. The *Js functions are the plain-JavaScript reference: each has the exact
 * arithmetic PEFT's reference-BLAS path has (sequential k accumulation in f32, no fused
 * multiply-add). The unsuffixed exports dispatch to the WebAssembly SIMD kernels
 * (./wasm-kernels, built from assembly/kernels.ts) when they are loaded, not disabled by
 * GRAFT_NO_WASM=1, and the arrays are large enough to repay the copies; the wasm kernels are
 * tested to give the same bits.
 */
import type { Dtype } from '../../shared/dtypes'
import { decodeToF32Js, encodeFromF32Js, roundThroughJs } from '../dtype/convert'
import * as wasm from './wasm-kernels'
import type { StoredLoraTerm } from './wasm-kernels'

export type { StoredLoraTerm }
export const DIRECT_IO_ALIGN = wasm.DIRECT_IO_ALIGN

const fround = Math.fround

/** Below these sizes the JS loops win over copying into wasm memory. */
const WASM_MIN_ROW_WORK = 256 // r · width of one rowDelta
const WASM_MIN_ELEMS = 256

/**
 * acc[j] = Σ_k f32(coef[k] · m[k·width + j]) accumulated in k order in f32, then
 * delta[j] = f32(acc[j] · s). Writes delta into `out`.
 */
export function rowDelta(coef: Float32Array, m: Float32Array, width: number, s: number, out: Float32Array): void {
  const r = coef.length
  if (wasm.enabled && r * width >= WASM_MIN_ROW_WORK && out.length === width && m.length >= r * width) {
    wasm.rowDelta(coef, m, width, s, out)
    return
  }
  rowDeltaJs(coef, m, width, s, out)
}

/** w[j] = f32(w[j] + d[j]). */
export function addInto(w: Float32Array, d: Float32Array): void {
  if (wasm.enabled && w.length >= WASM_MIN_ELEMS && d.length >= w.length) {
    wasm.addInto(w, d)
    return
  }
  addIntoJs(w, d)
}

/**
 * Adds LoRA deltas to consecutive rows of `w` (rows = w.length / width), one matrix `m` (r × width)
 * shared by all rows; row i's coefficients are coefs[i·r .. i·r + r). Same bits as, for each row,
 * rowDelta → (roundThrough(roundDelta) when roundDelta is 'BF16' or 'F16') → addInto.
 * Faster than that loop under wasm, which copies `m` once instead of once per row.
 */
export function loraRows(coefs: Float32Array, r: number, m: Float32Array, width: number, s: number, w: Float32Array, roundDelta: Dtype = 'F32'): void {
  const rows = width > 0 ? Math.floor(w.length / width) : 0
  const ok = w.length === rows * width && coefs.length >= rows * r && m.length >= r * width
  if (wasm.enabled && ok && rows * r * width >= WASM_MIN_ROW_WORK && (roundDelta === 'F32' || roundDelta === 'BF16' || roundDelta === 'F16')) {
    wasm.loraRows(coefs, r, m, width, s, w, roundDelta)
    return
  }
  loraRowsJs(coefs, r, m, width, s, w, roundDelta)
}

/** Reference for rowDelta. */
export function rowDeltaJs(coef: Float32Array, m: Float32Array, width: number, s: number, out: Float32Array): void {
  const r = coef.length
  out.fill(0)
  for (let k = 0; k < r; k++) {
    const c = coef[k]
    const base = k * width
    for (let j = 0; j < width; j++) out[j] = fround(out[j] + fround(c * m[base + j]))
  }
  const s32 = fround(s)
  for (let j = 0; j < width; j++) out[j] = fround(out[j] * s32)
}

/** Reference for addInto. */
export function addIntoJs(w: Float32Array, d: Float32Array): void {
  for (let j = 0; j < w.length; j++) w[j] = fround(w[j] + d[j])
}

/** Reference for loraRows: the row-by-row loop it replaces. */
export function loraRowsJs(coefs: Float32Array, r: number, m: Float32Array, width: number, s: number, w: Float32Array, roundDelta: Dtype = 'F32'): void {
  const rows = width > 0 ? Math.floor(w.length / width) : 0
  const delta = new Float32Array(width)
  for (let i = 0; i < rows; i++) {
    rowDeltaJs(coefs.subarray(i * r, i * r + r), m, width, s, delta)
    if (roundDelta !== 'F32') roundThroughJs(roundDelta, delta)
    addIntoJs(w.subarray(i * width, (i + 1) * width), delta)
  }
}

/**
 * The fused merge of `rows` stored rows (F32, BF16 or F16, `width` elements each): `fill` writes
 * the stored bytes into the buffer it is given, each term is applied as loraRows followed by
 * roundThrough(dtype), and `drain` receives the updated bytes. Under wasm the rows never leave
 * wasm memory (no f32 copy, no decode/encode passes); the JS path is the reference.
 */
export function loraStored(dtype: Dtype, rows: number, width: number, terms: StoredLoraTerm[], fill: (into: Uint8Array) => void, drain: (from: Uint8Array) => void, fileOffset?: number): void {
  if (wasm.enabled && (dtype === 'F32' || dtype === 'BF16' || dtype === 'F16') && terms.every((t) => t.roundDelta === 'F32' || t.roundDelta === 'BF16' || t.roundDelta === 'F16')) {
    wasm.loraStored(dtype, rows, width, terms, fill, drain, fileOffset)
    return
  }
  loraStoredJs(dtype, rows, width, terms, fill, drain, fileOffset)
}

/** Reference for loraStored: decode, loraRows and roundThrough per term, encode. */
export function loraStoredJs(dtype: Dtype, rows: number, width: number, terms: StoredLoraTerm[], fill: (into: Uint8Array) => void, drain: (from: Uint8Array) => void, fileOffset?: number): void {
  const eb = dtype === 'F32' ? 4 : 2
  const n = rows * width * eb
  // With a file offset, the same placement contract as the wasm path (see DIRECT_IO_ALIGN).
  const bytes = fileOffset === undefined ? new Uint8Array(n) : placedBytes(n, fileOffset)
  fill(bytes)
  const vals = new Float32Array(rows * width)
  decodeToF32Js(dtype, bytes, vals)
  for (const t of terms) {
    loraRowsJs(t.coefs, t.r, t.m, width, t.s, vals, t.roundDelta)
    roundThroughJs(dtype, vals)
  }
  encodeFromF32Js(dtype, vals, bytes)
  drain(bytes)
}

let jsScratch: ArrayBuffer | null = null

/**
 * A reusable scratch view of `length` bytes for a read at `fileOffset`, placed so that
 * FileIo.readDirect may use O_DIRECT (the DIRECT_IO_ALIGN contract: in wasm memory, whose start is
 * page-aligned). Valid until the next call into the kernels or this function.
 */
export function directScratch(length: number, fileOffset: number): Uint8Array {
  if (wasm.available) return wasm.directScratch(length, fileOffset)
  if (!jsScratch || jsScratch.byteLength < length + 3 * DIRECT_IO_ALIGN) jsScratch = new ArrayBuffer(length + 3 * DIRECT_IO_ALIGN)
  return placedBytes(length, fileOffset, jsScratch)
}

/**
 * Column sums in f64 over `rows` stored rows (`width` elements each) added row after row to
 * `sum`; `fill` writes the stored bytes into the buffer it gets (placed for O_DIRECT at
 * `fileOffset`, see DIRECT_IO_ALIGN). trainedOnly skips rows whose max |x| is not above eps (zero
 * rows, and rows holding a NaN). Returns the rows added. Wasm when loaded; rowSumsJs otherwise.
 */
export function rowSums(dtype: Dtype, rows: number, width: number, fill: (into: Uint8Array) => void, sum: Float64Array, trainedOnly: boolean, eps: number, fileOffset = 0): number {
  if (wasm.enabled && (dtype === 'F32' || dtype === 'BF16' || dtype === 'F16')) return wasm.rowSums(dtype, rows, width, fill, sum, trainedOnly, eps, fileOffset)
  const eb = dtype === 'F32' ? 4 : dtype === 'BF16' || dtype === 'F16' ? 2 : 0
  if (!eb) throw new Error(`rowSums: ${dtype} is not a float dtype Graft computes with`)
  const n = rows * width * eb
  const bytes = placedBytes(n, fileOffset)
  fill(bytes)
  return rowSumsJs(dtype, bytes, rows, width, sum, trainedOnly, eps)
}

/** Reference for rowSums, on bytes already read. */
export function rowSumsJs(dtype: Dtype, bytes: Uint8Array, rows: number, width: number, sum: Float64Array, trainedOnly: boolean, eps: number): number {
  const vals = new Float32Array(rows * width)
  decodeToF32Js(dtype, bytes, vals)
  let count = 0
  for (let i = 0; i < rows; i++) {
    const row = vals.subarray(i * width, (i + 1) * width)
    if (trainedOnly) {
      let max = 0
      for (let j = 0; j < width; j++) {
        const x = Math.abs(row[j])
        if (x > max || Number.isNaN(x)) max = x
      }
      if (!(max > eps)) continue
    }
    for (let j = 0; j < width; j++) sum[j] += row[j]
    count++
  }
  return count
}

/**
 * `n` bytes placed by the DIRECT_IO_ALIGN contract for a read at `fileOffset`, in `buffer` (at
 * least n + 3·DIRECT_IO_ALIGN bytes) or a fresh one. A JS buffer's own address is not known to be
 * aligned, so FileIo.readDirect may still fall back to a plain read.
 */
function placedBytes(n: number, fileOffset: number, buffer: ArrayBuffer = new ArrayBuffer(n + 3 * DIRECT_IO_ALIGN)): Uint8Array {
  return new Uint8Array(buffer, DIRECT_IO_ALIGN + (fileOffset % DIRECT_IO_ALIGN), n)
}
