/**
 * Exact conversions between f32 and the 16-bit float formats, in plain JavaScript.
 * The *Js functions are the reference implementations; the WebAssembly kernels
 * (../exec/wasm-kernels, assembly/kernels.ts) are checked against them bit for bit, and the
 * unsuffixed exports dispatch to wasm for large arrays unless GRAFT_NO_WASM=1.
 * Rounding is round-to-nearest-even; NaN and ±Inf are preserved (NaN becomes a quiet NaN).
 */
import type { Dtype } from '../../shared/dtypes'
import * as wasm from '../exec/wasm-kernels'

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export function bf16BitsToF32(h: number): number {
  u32[0] = h << 16
  return f32[0]
}

/** c10::BFloat16 rounding: NaN -> 0x7FC0, otherwise round-to-nearest-even on the top 16 bits. */
export function f32ToBf16Bits(x: number): number {
  f32[0] = x
  const u = u32[0]
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >>> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

/** IEEE binary16 round-to-nearest-even with subnormals; overflow gives ±Inf. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x
  const u = u32[0]
  const sign = (u >>> 16) & 0x8000
  const exp = (u >>> 23) & 0xff
  let mant = u & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0)
  // Unbiased exponent in half terms.
  let e = exp - 127 + 15
  if (e >= 31) return sign | 0x7c00
  if (e <= 0) {
    // Subnormal half (or zero): shift the full mantissa (with the implicit 1) right.
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    let r = half
    if (rem > mid || (rem === mid && (half & 1))) r += 1
    return sign | r
  }
  let r = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1))) r += 1 // may carry into the exponent, up to Inf: correct
  return sign | r
}


/** Below this many elements the JS loops win over copying into wasm memory. */
const WASM_MIN_ELEMS = 256

/**
 * Decodes out.length elements of a float dtype from raw little-endian bytes into f32.
 * BF16/F16 go to the WebAssembly kernel when it is enabled and the array is large enough
 * (same bits as decodeToF32Js).
 */
export function decodeToF32(dtype: Dtype, bytes: Uint8Array, out: Float32Array): void {
  const n = out.length
  if (wasm.enabled && n >= WASM_MIN_ELEMS && (dtype === 'BF16' || dtype === 'F16') && bytes.length >= n * 2) {
    wasm.decodeToF32(dtype, bytes, out)
    return
  }
  decodeToF32Js(dtype, bytes, out)
}

/** Encodes f32 values into `dtype` little-endian bytes, rounding to nearest even (wasm when worth it). */
export function encodeFromF32(dtype: Dtype, values: Float32Array, out: Uint8Array): void {
  const n = values.length
  if (wasm.enabled && n >= WASM_MIN_ELEMS && (dtype === 'BF16' || dtype === 'F16') && out.length >= n * 2) {
    wasm.encodeFromF32(dtype, values, out)
    return
  }
  encodeFromF32Js(dtype, values, out)
}

/** Rounds f32 values in place through `dtype` (what a cast to D and back does; wasm when worth it). */
export function roundThrough(dtype: Dtype, values: Float32Array): void {
  if (wasm.enabled && values.length >= WASM_MIN_ELEMS && (dtype === 'BF16' || dtype === 'F16')) {
    wasm.roundThrough(dtype, values)
    return
  }
  roundThroughJs(dtype, values)
}

/** Reference: decodes `count` elements of a float dtype from raw little-endian bytes into f32. */
export function decodeToF32Js(dtype: Dtype, bytes: Uint8Array, out: Float32Array): void {
  const n = out.length
  if (dtype === 'F32') {
    if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n))
    else out.set(new Float32Array(bytes.slice(0, n * 4).buffer))
    return
  }
  const src = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice(0, n * 2).buffer)
  if (dtype === 'BF16') {
    const o = new Uint32Array(out.buffer, out.byteOffset, n)
    for (let i = 0; i < n; i++) o[i] = src[i] << 16
    return
  }
  if (dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = F16_TABLE[src[i]]
    return
  }
  throw new Error(`decodeToF32: ${dtype} is not a float dtype Graft computes with`)
}

/** Reference: encodes f32 values into `dtype` little-endian bytes, rounding to nearest even. */
export function encodeFromF32Js(dtype: Dtype, values: Float32Array, out: Uint8Array): void {
  const n = values.length
  if (dtype === 'F32') {
    new Uint8Array(out.buffer, out.byteOffset, n * 4).set(new Uint8Array(values.buffer, values.byteOffset, n * 4))
    return
  }
  const dst = out.byteOffset % 2 === 0 ? new Uint16Array(out.buffer, out.byteOffset, n) : null
  const tmp = dst ?? new Uint16Array(n)
  if (dtype === 'BF16') {
    const u = new Uint32Array(values.buffer, values.byteOffset, n)
    for (let i = 0; i < n; i++) {
      const x = u[i]
      tmp[i] = (x & 0x7fffffff) > 0x7f800000 ? 0x7fc0 : ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16)
    }
  } else if (dtype === 'F16') {
    for (let i = 0; i < n; i++) tmp[i] = f32ToF16Bits(values[i])
  } else {
    throw new Error(`encodeFromF32: ${dtype} is not a float dtype Graft computes with`)
  }
  if (!dst) out.set(new Uint8Array(tmp.buffer, 0, n * 2))
}

/** Reference: rounds f32 values in place through `dtype` (what a cast to D and back does). */
export function roundThroughJs(dtype: Dtype, values: Float32Array): void {
  if (dtype === 'F32') return
  const tmp = new Uint8Array(values.length * 2)
  encodeFromF32Js(dtype, values, tmp)
  decodeToF32Js(dtype, tmp, values)
}

const F16_TABLE = (() => {
  const t = new Float32Array(65536)
  for (let h = 0; h < 65536; h++) t[h] = f16BitsToF32(h)
  return t
})()
