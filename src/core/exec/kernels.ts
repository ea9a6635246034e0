/**
 * Hot inner loops, in plain JavaScript. Each has the exact arithmetic PEFT's reference-BLAS path
 * has (sequential k accumulation in f32, no fused multiply-add), so any faster implementation
 * must give the same bits; the WebAssembly kernels are tested against these.
 */

const fround = Math.fround

/**
 * acc[j] = Σ_k f32(coef[k] · m[k·width + j]) accumulated in k order in f32, then
 * delta[j] = f32(acc[j] · s). Writes delta into `out`.
 */
export function rowDelta(coef: Float32Array, m: Float32Array, width: number, s: number, out: Float32Array): void {
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

/** w[j] = f32(w[j] + d[j]). */
export function addInto(w: Float32Array, d: Float32Array): void {
  for (let j = 0; j < w.length; j++) w[j] = fround(w[j] + d[j])
}
