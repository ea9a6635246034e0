import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Dtype } from '../../src/shared/dtypes'
import { writeSafetensorsFile } from '../../src/core/safetensors/write-safetensors-file'
import { openCheckpoint } from '../../src/core/safetensors/open-checkpoint'

/**
 * Test-side helpers that build tiny models and adapters from plain numbers. The float encoding
 * here is written independently of src/core/dtype (nearest representable value by search, ties
 * to even), so tests do not check the engine against itself.
 */

export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randn(n: number, seed: number, scale = 1): number[] {
  const r = rng(seed)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12)
    const v = r()
    out.push(scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
  }
  return out
}

function bitsToF32(b: number): number {
  const dv = new DataView(new ArrayBuffer(4))
  dv.setUint32(0, b >>> 0)
  return dv.getFloat32(0)
}
function f32Bits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4))
  dv.setFloat32(0, x)
  return dv.getUint32(0)
}

/** Nearest bf16 (as a number) to x, ties to even, found by comparing the two neighbours in f64. */
export function refBf16(x: number): number {
  if (!Number.isFinite(x)) return x
  const f = Math.fround(x)
  // Candidates: truncation of f32(x) and the next bf16 away from zero. Work from x (f64) directly.
  const down = bitsToF32(f32Bits(f) & 0xffff0000)
  const up = bitsToF32(((f32Bits(f) & 0xffff0000) + 0x10000) >>> 0)
  const dd = Math.abs(x - down)
  const du = Math.abs(up - x)
  if (dd < du) return down
  if (du < dd) return up
  return ((f32Bits(down) >>> 16) & 1) === 0 ? down : up
}

/** Nearest f16 value to x, ties to even, by exhaustive neighbourhood search on the f16 grid. */
export function refF16(x: number): number {
  if (!Number.isFinite(x)) return x
  const a = Math.abs(x)
  if (a >= 65520) return Math.sign(x) * Infinity
  const e = a < 2 ** -14 ? -14 : Math.floor(Math.log2(a))
  const ulp = 2 ** (Math.max(e, -14) - 10)
  const lo = Math.floor(a / ulp) * ulp
  const hi = lo + ulp
  let r: number
  if (a - lo < hi - a) r = lo
  else if (hi - a < a - lo) r = hi
  else r = Math.round(lo / ulp) % 2 === 0 ? lo : hi
  return Math.sign(x) * r || (x < 0 || Object.is(x, -0) ? -0 : 0)
}

export function refRound(dtype: Dtype, x: number): number {
  if (dtype === 'F32') return Math.fround(x)
  if (dtype === 'BF16') return refBf16(Math.fround(x))
  if (dtype === 'F16') return refF16(Math.fround(x))
  throw new Error(dtype)
}

export function encode(dtype: Dtype, values: number[]): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(Float32Array.from(values).buffer)
  const out = new Uint8Array(values.length * 2)
  const dv = new DataView(out.buffer)
  values.forEach((v, i) => {
    if (dtype === 'BF16') dv.setUint16(i * 2, f32Bits(refBf16(v)) >>> 16, true)
    else if (dtype === 'F16') dv.setUint16(i * 2, f16Bits(refF16(v)), true)
    else throw new Error(dtype)
  })
  return out
}

function f16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0
  const a = Math.abs(v)
  if (a === Infinity) return sign | 0x7c00
  if (a === 0) return sign
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24)
  const e = Math.floor(Math.log2(a))
  const frac = Math.round((a / 2 ** e - 1) * 1024)
  return sign | ((e + 15) << 10) | frac
}

export function decode(dtype: Dtype, bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: number[] = []
  if (dtype === 'F32') for (let i = 0; i < bytes.length / 4; i++) out.push(dv.getFloat32(i * 4, true))
  else if (dtype === 'BF16') for (let i = 0; i < bytes.length / 2; i++) out.push(bitsToF32(dv.getUint16(i * 2, true) << 16))
  else if (dtype === 'F16')
    for (let i = 0; i < bytes.length / 2; i++) {
      const h = dv.getUint16(i * 2, true)
      const s = h & 0x8000 ? -1 : 1
      const e = (h >> 10) & 31
      const f = h & 1023
      out.push(e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15))
    }
  else throw new Error(dtype)
  return out
}

export interface T {
  dtype: Dtype
  shape: number[]
  values: number[]
}

export async function tempDir(prefix = 'graft-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

export async function writeModel(dir: string, tensors: Record<string, T>, config: Record<string, unknown>, opts: { file?: string } = {}): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2))
  await writeSafetensorsFile({
    path: join(dir, opts.file ?? 'model.safetensors'),
    tensors: Object.entries(tensors).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: encode(t.dtype, t.values) })),
  })
  return dir
}

export async function writeAdapter(dir: string, tensors: Record<string, T>, config: Record<string, unknown>): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, ...config }, null, 2))
  await writeSafetensorsFile({
    path: join(dir, 'adapter_model.safetensors'),
    tensors: Object.entries(tensors).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: encode(t.dtype, t.values) })),
  })
  return dir
}

/** Reads every tensor of a model folder as numbers. */
export async function readModel(dir: string): Promise<Map<string, T>> {
  const ck = await openCheckpoint({ dir })
  const out = new Map<string, T>()
  for (const [name, ref] of ck.tensors) {
    const buf = await readFile(ref.file)
    out.set(name, { dtype: ref.dtype, shape: ref.shape, values: decode(ref.dtype, new Uint8Array(buf.subarray(ref.offset, ref.offset + ref.byteLength))) })
  }
  return out
}

export async function readConfig(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
}

/** Distance in units of the last place of `dtype` between two values of that dtype. */
export function ulpDiff(dtype: Dtype, a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0
  if (Number.isNaN(a) && Number.isNaN(b)) return 0
  const ord = (x: number) => {
    const bits = dtype === 'F32' ? f32Bits(x) : dtype === 'BF16' ? f32Bits(x) >>> 16 : f16Bits(x)
    const signBit = dtype === 'F32' ? 0x80000000 : 0x8000
    return bits & signBit ? -(bits & (signBit - 1)) : bits
  }
  return Math.abs(ord(a) - ord(b))
}

/** Reference matrix product in float64: (m×k)·(k×n). */
export function matmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out = new Array(m * n).fill(0)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0
    for (let x = 0; x < k; x++) s += a[i * k + x] * b[x * n + j]
    out[i * n + j] = s
  }
  return out
}

export function transpose(a: number[], rows: number, cols: number): number[] {
  const out = new Array(a.length)
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]
  return out
}

/** Reads a named safetensors file of a folder: floats as numbers, I64 as numbers. */
export async function readTensorsFile(dir: string, weightsName: string): Promise<Map<string, T>> {
  const ck = await openCheckpoint({ dir, weightsName })
  const out = new Map<string, T>()
  for (const [name, ref] of ck.tensors) {
    const buf = await readFile(ref.file)
    const bytes = new Uint8Array(buf.subarray(ref.offset, ref.offset + ref.byteLength))
    const values = ref.dtype === 'I64' ? Array.from(new BigInt64Array(bytes.slice().buffer), Number) : decode(ref.dtype, bytes)
    out.set(name, { dtype: ref.dtype, shape: ref.shape, values })
  }
  return out
}
