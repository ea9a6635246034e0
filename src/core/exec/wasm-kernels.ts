/**
 * WebAssembly (AssemblyScript, 128-bit SIMD) versions of the hot loops in ./kernels.ts and
 * ../dtype/convert.ts, built from assembly/kernels.ts into resources/kernels.wasm
 * (`node scripts/build-wasm.mjs`). They give the same bits as the JavaScript reference.
 *
 * The module is loaded synchronously at import. If that fails (file missing, no SIMD, …),
 * `available` is false and nothing throws; callers keep using JavaScript. Set
 * GRAFT_KERNELS_WASM to load another file, and GRAFT_NO_WASM=1 to turn dispatch off (`enabled`).
 *
 * Memory: the module owns one linear memory. Each call copies its inputs into a scratch area,
 * runs the kernel and copies the results out, in blocks, so the caller's arrays are never views
 * of wasm memory and a `memory.grow` cannot detach them. Views of the memory are re-created
 * after every grow.
 *
 * This file must not import ../dtype/convert or ./kernels (they import it).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Dtype } from '../../shared/dtypes'

interface KernelExports {
  memory: WebAssembly.Memory
  heapBase(): number
  decodeBf16(src: number, dst: number, n: number): void
  encodeBf16(src: number, dst: number, n: number): void
  decodeF16(src: number, dst: number, n: number): void
  encodeF16(src: number, dst: number, n: number): void
  roundBf16(ptr: number, n: number): void
  roundF16(ptr: number, n: number): void
  addInto(w: number, d: number, n: number): void
  rowDelta(coef: number, m: number, width: number, r: number, s: number, out: number): void
  loraRow(coef: number, m: number, width: number, r: number, s: number, w: number): void
  packTiles(m: number, width: number, r: number, packed: number): void
  loraRows(coefs: number, m: number, packed: number, width: number, r: number, s: number, w: number, rows: number, round: number): void
  loraRowsStored(coefs: number, m: number, packed: number, width: number, r: number, s: number, w: number, rows: number, round: number, dtype: number): void
  rowSums(src: number, dtype: number, rows: number, width: number, sum: number, trainedOnly: number, eps: number): number
}

const FUNCTIONS = ['heapBase', 'decodeBf16', 'encodeBf16', 'decodeF16', 'encodeF16', 'roundBf16', 'roundF16', 'addInto', 'rowDelta', 'loraRow', 'packTiles', 'loraRows', 'loraRowsStored', 'rowSums'] as const

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env?.[name] : undefined
}

/**
 * Where the .wasm is looked for, in order: $GRAFT_KERNELS_WASM alone when set; otherwise
 * resources/kernels.wasm relative to this module in the source tree (src/core/exec → ../../../),
 * relative to a bundle one or two folders below the project root (out/main/index.js →
 * ../../, out/main/chunks/*.js → ../../../), and in Electron's resources folder (packaged app).
 */
export function kernelsWasmCandidates(): string[] {
  const override = env('GRAFT_KERNELS_WASM')
  if (override) return [override]
  const out: string[] = []
  // Relative specifiers kept in variables, so bundlers do not rewrite them as assets.
  for (const rel of ['../../../resources/kernels.wasm', '../../resources/kernels.wasm']) {
    try {
      out.push(fileURLToPath(new URL(rel, import.meta.url)))
    } catch {
      // import.meta.url unusable (e.g. a CommonJS bundle): try the others.
    }
  }
  const resourcesPath = typeof process !== 'undefined' ? (process as { resourcesPath?: string }).resourcesPath : undefined
  if (resourcesPath) out.push(join(resourcesPath, 'kernels.wasm'), join(resourcesPath, 'resources', 'kernels.wasm'))
  // A bundle elsewhere (a benchmark's or tool's build): any resources/ folder above it, then the working directory's.
  try {
    let dir = dirname(fileURLToPath(import.meta.url))
    for (let i = 0; i < 8 && dirname(dir) !== dir; i++, dir = dirname(dir)) out.push(join(dir, 'resources', 'kernels.wasm'))
  } catch {
    /* no module URL */
  }
  if (typeof process !== 'undefined') out.push(join(process.cwd(), 'resources', 'kernels.wasm'))
  return [...new Set(out)]
}

let loadedFrom: string | null = null

let loadError: string | null = null

function load(): KernelExports | null {
  try {
    const candidates = kernelsWasmCandidates()
    const path = candidates.find((p) => existsSync(p))
    if (!path) throw new Error(`kernels.wasm not found (looked at ${candidates.join(', ')})`)
    const bytes = readFileSync(path)
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
    const ex = instance.exports as unknown as KernelExports
    if (!(ex.memory instanceof WebAssembly.Memory)) throw new Error('kernels.wasm exports no memory')
    for (const f of FUNCTIONS) if (typeof ex[f] !== 'function') throw new Error(`kernels.wasm lacks ${f}()`)
    loadedFrom = path
    return ex
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e)
    return null
  }
}

let wasm = load()

// ---------------------------------------------------------------------------------------------
// Scratch memory.

const ALIGN = 64
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN
/** Elements per block for the streaming conversions: 256 KiB of f32 stays in L2. */
const BLOCK = 1 << 16
/** loraRows packs m into column tiles above this size (about where it stops fitting in L2). */
const PACK_MIN_BYTES = 512 << 10

let base = 0
let buf: ArrayBuffer | null = null
let u8 = new Uint8Array(0)
let f32 = new Float32Array(0)

function views(): void {
  const b = wasm!.memory.buffer
  if (b !== buf) {
    buf = b
    u8 = new Uint8Array(b)
    f32 = new Float32Array(b)
  }
}

/** Makes [base, base + bytes) usable and refreshes the views. Returns base. */
function reserve(bytes: number): number {
  const mem = wasm!.memory
  const need = base + bytes
  const have = mem.buffer.byteLength
  if (need > have) mem.grow(Math.ceil((need - have) / 65536))
  views()
  return base
}

/** A tiny known-answer test, so a stale or broken .wasm is never used. */
function selfTest(): boolean {
  const p = reserve(256)
  // bf16 / f16 round trips of 1.5, -2, and ties: 1 + 2^-8 (bf16 tie, to even -> 1).
  const v = new Float32Array([1.5, -2, 1 + 2 ** -8, 65520, 2 ** -25, NaN, 0.1, 3])
  f32.set(v, p / 4)
  wasm!.encodeBf16(p, p + 64, 8)
  const bf = Array.from(new Uint16Array(u8.buffer, p + 64, 8))
  wasm!.encodeF16(p, p + 96, 8)
  const hf = Array.from(new Uint16Array(u8.buffer, p + 96, 8))
  const bfWant = [0x3fc0, 0xc000, 0x3f80, 0x4780, 0x3300, 0x7fc0, 0x3dcd, 0x4040]
  const hfWant = [0x3e00, 0xc000, 0x3c04, 0x7c00, 0x0000, 0x7e00, 0x2e66, 0x4200]
  if (bf.join() !== bfWant.join() || hf.join() !== hfWant.join()) return false
  // rowDelta with r = 2, width = 5 (SIMD block and scalar tail).
  f32.set([2, 3], p / 4 + 32)
  f32.set([1, 2, 3, 4, 5, 10, 20, 30, 40, 50], p / 4 + 40)
  wasm!.rowDelta(p + 128, p + 160, 5, 2, 0.5, p + 208)
  return Array.from(f32.subarray(p / 4 + 52, p / 4 + 57)).join() === '16,32,48,64,80'
}

if (wasm) {
  try {
    base = alignUp(wasm.heapBase())
    if (!selfTest()) {
      loadError = `${loadedFrom} failed its self-test`
      wasm = null
    }
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e)
    wasm = null
  }
}

/** The module loaded and passed its self-test. */
export const available: boolean = wasm !== null
/** The file the kernels were loaded from (null when they were not). */
export const kernelsWasmPath: string | null = wasm ? loadedFrom : null
/** Why it did not load (null when it did). */
export const unavailableReason: string | null = loadError
/** The dispatching functions in ./kernels and ../dtype/convert use wasm: available and not GRAFT_NO_WASM=1. */
export const enabled: boolean = available && env('GRAFT_NO_WASM') !== '1'

function need(): KernelExports {
  if (!wasm) throw new Error(`WebAssembly kernels are not available: ${loadError ?? 'unknown reason'}`)
  return wasm
}

// ---------------------------------------------------------------------------------------------
// Conversions (same contracts as ../dtype/convert).

function unsupported(fn: string, dtype: Dtype): Error {
  return new Error(`${fn}: ${dtype} is not a float dtype Graft computes with`)
}

/** Decodes out.length elements of `dtype` from little-endian `bytes` into f32. */
export function decodeToF32(dtype: Dtype, bytes: Uint8Array, out: Float32Array): void {
  const n = out.length
  if (dtype === 'F32') {
    if (bytes.length < n * 4) throw new RangeError('decodeToF32: not enough bytes')
    new Uint8Array(out.buffer, out.byteOffset, n * 4).set(bytes.subarray(0, n * 4))
    return
  }
  if (dtype !== 'BF16' && dtype !== 'F16') throw unsupported('decodeToF32', dtype)
  if (bytes.length < n * 2) throw new RangeError('decodeToF32: not enough bytes')
  const k = need()
  const kernel = dtype === 'BF16' ? k.decodeBf16 : k.decodeF16
  const p = reserve(BLOCK * 2 + BLOCK * 4)
  const q = p + BLOCK * 2
  for (let i = 0; i < n; i += BLOCK) {
    const c = Math.min(BLOCK, n - i)
    u8.set(bytes.subarray(i * 2, (i + c) * 2), p)
    kernel(p, q, c)
    out.set(f32.subarray(q >> 2, (q >> 2) + c), i)
  }
}

/** Encodes `values` into `dtype` little-endian bytes (values.length elements), rounding to nearest even. */
export function encodeFromF32(dtype: Dtype, values: Float32Array, out: Uint8Array): void {
  const n = values.length
  if (dtype === 'F32') {
    if (out.length < n * 4) throw new RangeError('encodeFromF32: output too small')
    out.set(new Uint8Array(values.buffer, values.byteOffset, n * 4))
    return
  }
  if (dtype !== 'BF16' && dtype !== 'F16') throw unsupported('encodeFromF32', dtype)
  if (out.length < n * 2) throw new RangeError('encodeFromF32: output too small')
  const k = need()
  const kernel = dtype === 'BF16' ? k.encodeBf16 : k.encodeF16
  const p = reserve(BLOCK * 4 + BLOCK * 2)
  const q = p + BLOCK * 4
  for (let i = 0; i < n; i += BLOCK) {
    const c = Math.min(BLOCK, n - i)
    f32.set(values.subarray(i, i + c), p >> 2)
    kernel(p, q, c)
    out.set(u8.subarray(q, q + c * 2), i * 2)
  }
}

/** Rounds f32 values in place through `dtype` (encode then decode). */
export function roundThrough(dtype: Dtype, values: Float32Array): void {
  if (dtype === 'F32') return
  if (dtype !== 'BF16' && dtype !== 'F16') throw unsupported('encodeFromF32', dtype)
  const k = need()
  const kernel = dtype === 'BF16' ? k.roundBf16 : k.roundF16
  const n = values.length
  const p = reserve(BLOCK * 4)
  for (let i = 0; i < n; i += BLOCK) {
    const c = Math.min(BLOCK, n - i)
    const src = values.subarray(i, i + c)
    f32.set(src, p >> 2)
    kernel(p, c)
    src.set(f32.subarray(p >> 2, (p >> 2) + c))
  }
}

// ---------------------------------------------------------------------------------------------
// LoRA arithmetic (same contracts as ./kernels).

/**
 * out[j] = f32(f32(Σ_k coef[k]·m[k·width + j]) · f32(s)) for j < width, k < coef.length, summed in
 * k order without fused multiply-add. Requires out.length === width and m.length ≥ r·width.
 * Note: m is copied into wasm memory on every call; for many rows with one m use `loraRows`.
 */
export function rowDelta(coef: Float32Array, m: Float32Array, width: number, s: number, out: Float32Array): void {
  const r = coef.length
  if (out.length !== width || m.length < r * width) throw new RangeError('rowDelta: shape mismatch')
  const k = need()
  const mBytes = alignUp(r * width * 4)
  const cBytes = alignUp(r * 4)
  const p = reserve(mBytes + cBytes + width * 4)
  const pc = p + mBytes
  const po = pc + cBytes
  f32.set(m.subarray(0, r * width), p >> 2)
  f32.set(coef, pc >> 2)
  k.rowDelta(pc, p, width, r, s, po)
  out.set(f32.subarray(po >> 2, (po >> 2) + width))
}

/** w[j] = f32(w[j] + d[j]) for j < w.length (requires d.length ≥ w.length). */
export function addInto(w: Float32Array, d: Float32Array): void {
  const n = w.length
  if (d.length < n) throw new RangeError('addInto: d is shorter than w')
  const k = need()
  const p = reserve(BLOCK * 8)
  const q = p + BLOCK * 4
  for (let i = 0; i < n; i += BLOCK) {
    const c = Math.min(BLOCK, n - i)
    const wi = w.subarray(i, i + c)
    f32.set(wi, p >> 2)
    f32.set(d.subarray(i, i + c), q >> 2)
    k.addInto(p, q, c)
    wi.set(f32.subarray(p >> 2, (p >> 2) + c))
  }
}

/**
 * Many LoRA rows against one matrix, in one call (m is copied once):
 * for each row i < w.length / width:
 *   delta = rowDelta(coefs[i·r .. i·r + r), m, width, s)
 *   if roundDelta is 'BF16' or 'F16': delta = roundThrough(roundDelta, delta)   (double rounding)
 *   w[i·width + j] = f32(w[i·width + j] + delta[j])
 * Exactly what calling rowDelta / roundThrough / addInto row by row gives.
 */
export function loraRows(coefs: Float32Array, r: number, m: Float32Array, width: number, s: number, w: Float32Array, roundDelta: Dtype = 'F32'): void {
  const rows = width > 0 ? Math.floor(w.length / width) : 0
  if (w.length !== rows * width || coefs.length < rows * r || m.length < r * width) throw new RangeError('loraRows: shape mismatch')
  const round = roundDelta === 'F32' ? 0 : roundDelta === 'BF16' ? 1 : roundDelta === 'F16' ? 2 : -1
  if (round < 0) throw unsupported('loraRows', roundDelta)
  if (rows === 0) return
  const k = need()
  // A block of rows (≈ BLOCK floats of w) is copied in, updated and copied out. While m is small
  // (it stays in L2) the kernel goes row after row; a larger m is first packed into column tiles
  // that the kernel reuses across the block's rows (same bits either way).
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK / width))
  const mBytes = alignUp(r * width * 4)
  const pack = mBytes > PACK_MIN_BYTES && width >= 32 && rows > 1
  const pBytes = pack ? mBytes : 0
  const cBytes = alignUp(rowsPerBlock * r * 4)
  const p = reserve(mBytes + pBytes + cBytes + rowsPerBlock * width * 4)
  const pp = pack ? p + mBytes : 0
  const pc = p + mBytes + pBytes
  const pw = pc + cBytes
  f32.set(m.subarray(0, r * width), p >> 2)
  if (pack) k.packTiles(p, width, r, pp)
  for (let i = 0; i < rows; i += rowsPerBlock) {
    const c = Math.min(rowsPerBlock, rows - i)
    const wi = w.subarray(i * width, (i + c) * width)
    f32.set(coefs.subarray(i * r, (i + c) * r), pc >> 2)
    f32.set(wi, pw >> 2)
    k.loraRows(pc, p, pp, width, r, s, pw, c, round)
    wi.set(f32.subarray(pw >> 2, (pw >> 2) + c * width))
  }
}

/**
 * loraStored with a fileOffset places the rows so that `fill` may read them with O_DIRECT: the
 * view's address is congruent to fileOffset modulo this, and this many bytes of scratch lie
 * before and after it (wasm memory itself starts page-aligned).
 */
export const DIRECT_IO_ALIGN = 4096

/** The first address at or after `from` that is congruent to fileOffset modulo DIRECT_IO_ALIGN, leaving a DIRECT_IO_ALIGN margin before it. */
function placeForRead(from: number, fileOffset: number): number {
  return Math.ceil((from + DIRECT_IO_ALIGN) / DIRECT_IO_ALIGN) * DIRECT_IO_ALIGN + (fileOffset % DIRECT_IO_ALIGN)
}

/** One LoRA term for loraStored: row i of the rows uses coefs[i·r .. i·r + r); m is r × width. */
export interface StoredLoraTerm {
  coefs: Float32Array
  m: Float32Array
  r: number
  s: number
  /** 'F32': add the f32 delta (one rounding); 'BF16' / 'F16': round the delta through it first. */
  roundDelta: Dtype
}

const STORED_DTYPES: Partial<Record<Dtype, number>> = { F32: 0, BF16: 1, F16: 2 }

/**
 * The fused merge of `rows` rows (`width` elements each) stored as `dtype` (F32, BF16 or F16):
 * `fill` puts the stored bytes straight into wasm memory (e.g. a positional file read), every term
 * is applied in place as loraRows followed by roundThrough(dtype), and `drain` gets the updated
 * bytes (e.g. to write them out). The views passed to fill and drain are valid only during the call.
 * Same bits as decodeToF32 → (loraRows → roundThrough) per term → encodeFromF32, with no f32 copy.
 */
export function loraStored(dtype: Dtype, rows: number, width: number, terms: StoredLoraTerm[], fill: (into: Uint8Array) => void, drain: (from: Uint8Array) => void, fileOffset?: number): void {
  const dt = STORED_DTYPES[dtype]
  if (dt === undefined) throw unsupported('loraStored', dtype)
  const eb = dtype === 'F32' ? 4 : 2
  const n = rows * width
  const rounds = terms.map((t) => (t.roundDelta === 'F32' ? 0 : t.roundDelta === 'BF16' ? 1 : t.roundDelta === 'F16' ? 2 : -1))
  terms.forEach((t, i) => {
    if (rounds[i] < 0) throw unsupported('loraStored', t.roundDelta)
    if (t.coefs.length < rows * t.r || t.m.length < t.r * width) throw new RangeError('loraStored: shape mismatch')
  })
  const k = need()
  const wBytes = alignUp(n * eb)
  let scratchNeed = 0
  for (const t of terms) {
    const mBytes = alignUp(t.r * width * 4)
    scratchNeed = Math.max(scratchNeed, 2 * mBytes + alignUp(rows * t.r * 4))
  }
  // Reserve everything before handing out views: a later memory.grow would detach them. With a
  // file offset, the rows sit at the same offset modulo DIRECT_IO_ALIGN as in the file, with a
  // DIRECT_IO_ALIGN margin of scratch on both sides (see DIRECT_IO_ALIGN).
  const margin = fileOffset === undefined ? 0 : DIRECT_IO_ALIGN
  const p0 = reserve(4 * margin + wBytes + ALIGN + scratchNeed)
  const pw = fileOffset === undefined ? p0 : placeForRead(p0, fileOffset)
  const wEnd = alignUp(pw + n * eb + margin)
  fill(u8.subarray(pw, pw + n * eb))
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK / Math.max(1, width)))
  terms.forEach((t, ti) => {
    const mBytes = alignUp(t.r * width * 4)
    const pack = mBytes > PACK_MIN_BYTES && width >= 32 && rows > 1
    const p = wEnd
    const pp = pack ? p + mBytes : 0
    const pc = p + 2 * mBytes
    f32.set(t.m.subarray(0, t.r * width), p >> 2)
    if (pack) k.packTiles(p, width, t.r, pp)
    f32.set(t.coefs.subarray(0, rows * t.r), pc >> 2)
    for (let i = 0; i < rows; i += rowsPerBlock) {
      const c = Math.min(rowsPerBlock, rows - i)
      k.loraRowsStored(pc + i * t.r * 4, p, pp, width, t.r, t.s, pw + i * width * eb, c, rounds[ti], dt)
    }
  })
  drain(u8.subarray(pw, pw + n * eb))
}

/**
 * A scratch view of `length` bytes for a file read at `fileOffset`, placed by the DIRECT_IO_ALIGN
 * contract (so FileIo.readDirect can use O_DIRECT). Valid until the next call into this module.
 */
export function directScratch(length: number, fileOffset: number): Uint8Array {
  need()
  const p0 = reserve(length + 4 * DIRECT_IO_ALIGN)
  const p = placeForRead(p0, fileOffset)
  return u8.subarray(p, p + length)
}

/**
 * Column sums in f64 of `rows` stored rows (F32, BF16 or F16; `width` elements each), added row
 * after row to `sum`; `fill` puts the stored bytes into wasm memory (placed by the DIRECT_IO_ALIGN
 * contract for `fileOffset`). trainedOnly skips rows whose max |x| is not above eps (zero rows,
 * rows with a NaN). Returns the rows added. Same bits as the JS loop in run-stat-chunk.
 */
export function rowSums(dtype: Dtype, rows: number, width: number, fill: (into: Uint8Array) => void, sum: Float64Array, trainedOnly: boolean, eps: number, fileOffset = 0): number {
  const dt = STORED_DTYPES[dtype]
  if (dt === undefined) throw unsupported('rowSums', dtype)
  if (sum.length < width) throw new RangeError('rowSums: sum is shorter than a row')
  const k = need()
  const eb = dtype === 'F32' ? 4 : 2
  const n = rows * width * eb
  const p0 = reserve(5 * DIRECT_IO_ALIGN + alignUp(n) + alignUp(width * 8) + ALIGN)
  const ps = p0
  const pw = placeForRead(ps + alignUp(width * 8), fileOffset)
  fill(u8.subarray(pw, pw + n))
  new Float64Array(buf!, ps, width).set(sum.subarray(0, width))
  const count = k.rowSums(pw, dt, rows, width, ps, trainedOnly ? 1 : 0, eps)
  sum.set(new Float64Array(wasm!.memory.buffer, ps, width))
  return count
}
