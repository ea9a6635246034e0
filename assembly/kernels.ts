// Graft's hot loops in AssemblyScript with 128-bit SIMD (build: `node scripts/build-wasm.mjs`).
//
// Every kernel gives the same bits as the plain-JavaScript reference in src/core/exec/kernels.ts
// and src/core/dtype/convert.ts (see docs/peft-merge-spec §3.8):
//   - f32 arithmetic is plain IEEE single precision, multiply and add kept separate (never fused:
//     no relaxed SIMD, which Node 20 rejects anyway);
//   - the k sum of a LoRA row starts from +0 and adds the products in k order;
//   - bf16 rounding is c10::BFloat16's (NaN -> 0x7FC0, else round-to-nearest-even);
//   - f16 rounding is IEEE round-to-nearest-even with subnormals, overflow to ±Inf, and a NaN
//     keeps its sign and top payload bits with the quiet bit set;
//   - f16 -> f32 turns every NaN into the canonical 0x7FC00000 (as the JS table does).
//
// The module owns its memory (exported as `memory`, starting empty); the JS wrapper grows it and
// passes byte addresses. Nothing here allocates.

/** First free byte after the module's static data; the wrapper allocates from here up. */
export function heapBase(): usize {
  return __heap_base
}

// ---------------------------------------------------------------------------------------------
// Lane helpers (inlined).

// @ts-ignore: decorator
@inline function bf16ToF32x4Lo(v: v128): v128 {
  // Interleave zeros below the low four halves: (u16 << 16) per i32 lane, one instruction.
  return i16x8.shuffle(i32x4.splat(0), v, 0, 8, 1, 9, 2, 10, 3, 11)
}

// @ts-ignore: decorator
@inline function bf16ToF32x4Hi(v: v128): v128 {
  return i16x8.shuffle(i32x4.splat(0), v, 4, 12, 5, 13, 6, 14, 7, 15)
}

/** (u16 << 16) per lane -> f32 bits, for halves known to be normal (not 0/subnormal/Inf/NaN). */
// @ts-ignore: decorator
@inline function f16NormalToF32x4(hi16: v128): v128 {
  // Arithmetic shift by 3 puts the exponent+mantissa at bits 27..13 and copies the sign into
  // bits 31..28; keep bit 31 only, then rebias the exponent (15 -> 127).
  return i32x4.add(v128.and(i32x4.shr_s(hi16, 3), i32x4.splat(0x8fffffff)), i32x4.splat(0x38000000))
}

/** f32 bits -> bf16 bits in the low half of each i32 lane. */
// @ts-ignore: decorator
@inline function f32ToBf16x4(u: v128): v128 {
  const isNan = i32x4.gt_s(v128.and(u, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000))
  const lsb = v128.and(i32x4.shr_u(u, 16), i32x4.splat(1))
  const r = i32x4.shr_u(i32x4.add(i32x4.add(u, i32x4.splat(0x7fff)), lsb), 16)
  return v128.bitselect(i32x4.splat(0x7fc0), r, isNan)
}

/** f32 -> bf16 -> f32 in one step (what encode then decode gives). */
// @ts-ignore: decorator
@inline function roundBf16x4(u: v128): v128 {
  const isNan = i32x4.gt_s(v128.and(u, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000))
  const lsb = v128.and(i32x4.shr_u(u, 16), i32x4.splat(1))
  const r = v128.and(i32x4.add(i32x4.add(u, i32x4.splat(0x7fff)), lsb), i32x4.splat(0xffff0000))
  return v128.bitselect(i32x4.splat(0x7fc00000), r, isNan)
}

/** f16 bits (zero-extended in i32 lanes) -> f32 bits. */
// @ts-ignore: decorator
@inline function f16ToF32x4(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16)
  const em = v128.and(h, i32x4.splat(0x7fff))
  // Normal: rebias the exponent (15 -> 127).
  const normal = i32x4.add(i32x4.shl(em, 13), i32x4.splat(0x38000000))
  // Subnormal or zero: frac · 2^-24, exact (frac < 1024).
  const sub = f32x4.mul(f32x4.convert_i32x4_s(em), f32x4.splat(<f32>5.9604644775390625e-8))
  let r = v128.bitselect(sub, normal, i32x4.lt_s(em, i32x4.splat(0x400)))
  r = v128.bitselect(i32x4.splat(0x7f800000), r, i32x4.ge_s(em, i32x4.splat(0x7c00)))
  r = v128.or(r, sign)
  // NaN: the canonical quiet NaN, sign and payload dropped.
  return v128.bitselect(i32x4.splat(0x7fc00000), r, i32x4.gt_s(em, i32x4.splat(0x7c00)))
}

/** f32 bits -> f16 bits in the low half of each i32 lane (IEEE round-to-nearest-even). */
// @ts-ignore: decorator
@inline function f32ToF16x4(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(0x80000000))
  const f = v128.xor(x, sign)
  // |x| < 2^-14: f16 subnormal or zero. Adding 0.5f makes the f32 ulp 2^-24, the f16 subnormal
  // step, so the hardware add rounds to nearest even exactly where f16 must.
  const magic = i32x4.splat(0x3f000000)
  const subR = i32x4.sub(f32x4.add(f, magic), magic)
  // Normal: rebias, round the 13 dropped bits to nearest even (a carry may reach Inf: correct).
  const odd = v128.and(i32x4.shr_u(f, 13), i32x4.splat(1))
  const normR = i32x4.shr_u(i32x4.add(i32x4.add(f, i32x4.splat(-0x38000000 + 0xfff)), odd), 13)
  let r = v128.bitselect(subR, normR, i32x4.lt_s(f, i32x4.splat(113 << 23)))
  // |x| >= 2^16 (including Inf): ±Inf.
  r = v128.bitselect(i32x4.splat(0x7c00), r, i32x4.ge_s(f, i32x4.splat(143 << 23)))
  // NaN: quiet, keep the top 9 payload bits.
  const nanR = v128.or(i32x4.splat(0x7e00), i32x4.shr_u(v128.and(f, i32x4.splat(0x7fffff)), 13))
  r = v128.bitselect(nanR, r, i32x4.gt_s(f, i32x4.splat(0x7f800000)))
  return v128.or(r, i32x4.shr_u(sign, 16))
}

/** f32 bits -> f16 bits for 2^-14 <= |x| < 2^16 (f = |x| bits): the normal branch of f32ToF16x4. */
// @ts-ignore: decorator
@inline function f32NormalToF16x4(x: v128, f: v128): v128 {
  const odd = v128.and(i32x4.shr_u(f, 13), i32x4.splat(1))
  const r = i32x4.shr_u(i32x4.add(i32x4.add(f, i32x4.splat(-0x38000000 + 0xfff)), odd), 13)
  return v128.or(r, v128.and(i32x4.shr_u(x, 16), i32x4.splat(0x8000)))
}

// Scalar versions for tails, built from the same lane code so they cannot drift.
// @ts-ignore: decorator
@inline function f32ToF16Scalar(u: u32): u32 {
  return i32x4.extract_lane(f32ToF16x4(i32x4.splat(u)), 0)
}
// @ts-ignore: decorator
@inline function f16ToF32Scalar(h: u32): u32 {
  return i32x4.extract_lane(f16ToF32x4(i32x4.splat(h)), 0)
}
// @ts-ignore: decorator
@inline function f32ToBf16Scalar(u: u32): u32 {
  return i32x4.extract_lane(f32ToBf16x4(i32x4.splat(u)), 0)
}

// ---------------------------------------------------------------------------------------------
// Conversions. `src`/`dst` are byte addresses; `n` counts elements.

/** bf16 (n·2 bytes at src) -> f32 (n·4 bytes at dst). */
export function decodeBf16(src: usize, dst: usize, n: i32): void {
  let i = 0
  for (; i + 16 <= n; i += 16) {
    const s = src + (<usize>i << 1)
    const d = dst + (<usize>i << 2)
    const v0 = v128.load(s)
    const v1 = v128.load(s, 16)
    v128.store(d, bf16ToF32x4Lo(v0))
    v128.store(d, bf16ToF32x4Hi(v0), 16)
    v128.store(d, bf16ToF32x4Lo(v1), 32)
    v128.store(d, bf16ToF32x4Hi(v1), 48)
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), <u32>load<u16>(src + (<usize>i << 1)) << 16)
}

/** f32 (n·4 bytes at src) -> bf16 (n·2 bytes at dst), c10::BFloat16 rounding. */
export function encodeBf16(src: usize, dst: usize, n: i32): void {
  let i = 0
  for (; i + 8 <= n; i += 8) {
    const s = src + (<usize>i << 2)
    const a = f32ToBf16x4(v128.load(s))
    const b = f32ToBf16x4(v128.load(s, 16))
    v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(a, b))
  }
  for (; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>f32ToBf16Scalar(load<u32>(src + (<usize>i << 2))))
}

/** f16 (n·2 bytes at src) -> f32 (n·4 bytes at dst). */
export function decodeF16(src: usize, dst: usize, n: i32): void {
  let i = 0
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(src + (<usize>i << 1))
    const d = dst + (<usize>i << 2)
    const em = v128.and(v, i16x8.splat(0x7fff))
    const special = v128.or(i16x8.lt_s(em, i16x8.splat(0x400)), i16x8.gt_s(em, i16x8.splat(0x7bff)))
    if (v128.any_true(special)) {
      // Some lane is ±0, subnormal, Inf or NaN: the general lane code.
      v128.store(d, f16ToF32x4(i32x4.extend_low_i16x8_u(v)))
      v128.store(d, f16ToF32x4(i32x4.extend_high_i16x8_u(v)), 16)
    } else {
      v128.store(d, f16NormalToF32x4(bf16ToF32x4Lo(v)))
      v128.store(d, f16NormalToF32x4(bf16ToF32x4Hi(v)), 16)
    }
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), f16ToF32Scalar(<u32>load<u16>(src + (<usize>i << 1))))
}

/** f32 (n·4 bytes at src) -> f16 (n·2 bytes at dst), IEEE round-to-nearest-even. */
export function encodeF16(src: usize, dst: usize, n: i32): void {
  let i = 0
  const lo = i32x4.splat(113 << 23) // 2^-14, the smallest normal f16
  const hi = i32x4.splat(143 << 23) // 2^16: from here on ±Inf (or NaN)
  for (; i + 8 <= n; i += 8) {
    const s = src + (<usize>i << 2)
    const x = v128.load(s)
    const y = v128.load(s, 16)
    const fx = v128.and(x, i32x4.splat(0x7fffffff))
    const fy = v128.and(y, i32x4.splat(0x7fffffff))
    const special = v128.or(v128.or(i32x4.lt_s(fx, lo), i32x4.ge_s(fx, hi)), v128.or(i32x4.lt_s(fy, lo), i32x4.ge_s(fy, hi)))
    let a: v128, b: v128
    if (v128.any_true(special)) {
      // Some lane rounds to ±0 / a subnormal / ±Inf, or is NaN: the general lane code.
      a = f32ToF16x4(x)
      b = f32ToF16x4(y)
    } else {
      a = f32NormalToF16x4(x, fx)
      b = f32NormalToF16x4(y, fy)
    }
    v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(a, b))
  }
  for (; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>f32ToF16Scalar(load<u32>(src + (<usize>i << 2))))
}

/** In place: f32 -> bf16 -> f32 (roundThrough('BF16')). */
export function roundBf16(ptr: usize, n: i32): void {
  let i = 0
  for (; i + 8 <= n; i += 8) {
    const p = ptr + (<usize>i << 2)
    v128.store(p, roundBf16x4(v128.load(p)))
    v128.store(p, roundBf16x4(v128.load(p, 16)), 16)
  }
  for (; i < n; i++) {
    const p = ptr + (<usize>i << 2)
    store<u32>(p, i32x4.extract_lane(roundBf16x4(i32x4.splat(load<u32>(p))), 0))
  }
}

/** In place: f32 -> f16 -> f32 (roundThrough('F16')). */
export function roundF16(ptr: usize, n: i32): void {
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const p = ptr + (<usize>i << 2)
    v128.store(p, f16ToF32x4(f32ToF16x4(v128.load(p))))
  }
  for (; i < n; i++) {
    const p = ptr + (<usize>i << 2)
    store<u32>(p, f16ToF32Scalar(f32ToF16Scalar(load<u32>(p))))
  }
}

// ---------------------------------------------------------------------------------------------
// LoRA rows.

/** w[j] = f32(w[j] + d[j]) for n floats. */
export function addInto(w: usize, d: usize, n: i32): void {
  let i = 0
  for (; i + 8 <= n; i += 8) {
    const p = w + (<usize>i << 2)
    const q = d + (<usize>i << 2)
    v128.store(p, f32x4.add(v128.load(p), v128.load(q)))
    v128.store(p, f32x4.add(v128.load(p, 16), v128.load(q, 16)), 16)
  }
  for (; i < n; i++) {
    const p = w + (<usize>i << 2)
    store<f32>(p, load<f32>(p) + load<f32>(d + (<usize>i << 2)))
  }
}

// What to do with delta = f32(acc · s):
const MODE_DELTA: i32 = 0 //        out = delta
const MODE_ADD: i32 = 1 //          w  += delta
const MODE_ADD_BF16: i32 = 2 //     w  += roundThrough('BF16', delta)
const MODE_ADD_F16: i32 = 3 //      w  += roundThrough('F16', delta)

// @ts-ignore: decorator
@inline function finish4(p: usize, acc: v128, sv: v128, mode: i32): void {
  let d = f32x4.mul(acc, sv)
  if (mode == MODE_DELTA) {
    v128.store(p, d)
    return
  }
  if (mode == MODE_ADD_BF16) d = roundBf16x4(d)
  else if (mode == MODE_ADD_F16) d = f16ToF32x4(f32ToF16x4(d))
  v128.store(p, f32x4.add(v128.load(p), d))
}

// @ts-ignore: decorator
@inline function finish1(p: usize, acc: f32, s: f32, mode: i32): void {
  let d = acc * s
  if (mode == MODE_DELTA) {
    store<f32>(p, d)
    return
  }
  if (mode == MODE_ADD_BF16) d = f32x4.extract_lane(roundBf16x4(f32x4.splat(d)), 0)
  else if (mode == MODE_ADD_F16) d = f32x4.extract_lane(f16ToF32x4(f32ToF16x4(f32x4.splat(d))), 0)
  store<f32>(p, load<f32>(p) + d)
}

// One column tile of one row: columns [j, j+32) / [j, j+4) / j, where `mc` = m + j·4 and
// `o` = out + j·4. acc = Σ_k f32(coef[k] · m[k·width + j]) summed in k order from +0 (as the JS
// reference, which starts from a zero-filled row), then delta = f32(acc · s), stored or added.

// @ts-ignore: decorator
@inline function tile32(coef: usize, mc: usize, rowBytes: usize, r: i32, sv: v128, o: usize, mode: i32): void {
  tile32Stored(coef, mc, rowBytes, r, sv, o, mode, DT_F32)
}

// @ts-ignore: decorator
@inline function tile4(coef: usize, mc: usize, rowBytes: usize, r: i32, sv: v128, o: usize, mode: i32): void {
  let a0 = f32x4.splat(0)
  let p = mc
  for (let k = 0; k < r; k++) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(coef + (<usize>k << 2)), v128.load(p)))
    p += rowBytes
  }
  finish4(o, a0, sv, mode)
}

// @ts-ignore: decorator
@inline function tile1(coef: usize, mc: usize, rowBytes: usize, r: i32, s: f32, o: usize, mode: i32): void {
  let acc: f32 = 0
  let p = mc
  for (let k = 0; k < r; k++) {
    acc = acc + load<f32>(coef + (<usize>k << 2)) * load<f32>(p)
    p += rowBytes
  }
  finish1(o, acc, s, mode)
}

/** One row: coef r floats, m r × width floats (row-major), out width floats. */
// @ts-ignore: decorator
@inline function loraKernel(coef: usize, m: usize, width: i32, r: i32, s: f32, out: usize, mode: i32): void {
  const rowBytes = <usize>width << 2
  const sv = f32x4.splat(s)
  let j = 0
  for (; j + 32 <= width; j += 32) tile32(coef, m + (<usize>j << 2), rowBytes, r, sv, out + (<usize>j << 2), mode)
  for (; j + 4 <= width; j += 4) tile4(coef, m + (<usize>j << 2), rowBytes, r, sv, out + (<usize>j << 2), mode)
  for (; j < width; j++) tile1(coef, m + (<usize>j << 2), rowBytes, r, s, out + (<usize>j << 2), mode)
}

/**
 * Copies the full 32-column tiles of m (r × width, row-major) into `packed`, tile after tile,
 * each tile r rows of 32 floats (r·128 contiguous bytes), so a tile is read sequentially and
 * never fights its own rows for L1 sets (rows of m are a power-of-two stride apart).
 */
export function packTiles(m: usize, width: i32, r: i32, packed: usize): void {
  const rowBytes = <usize>width << 2
  let dst = packed
  for (let j = 0; j + 32 <= width; j += 32) {
    let src = m + (<usize>j << 2)
    for (let k = 0; k < r; k++) {
      v128.store(dst, v128.load(src))
      v128.store(dst, v128.load(src, 16), 16)
      v128.store(dst, v128.load(src, 32), 32)
      v128.store(dst, v128.load(src, 48), 48)
      v128.store(dst, v128.load(src, 64), 64)
      v128.store(dst, v128.load(src, 80), 80)
      v128.store(dst, v128.load(src, 96), 96)
      v128.store(dst, v128.load(src, 112), 112)
      src += rowBytes
      dst += 128
    }
  }
}

/**
 * `rows` rows at once, column tile by column tile: each 32-column tile of m (from `packed`, see
 * packTiles; r·128 bytes) stays in L1 while every row of the block uses it, so m is read from
 * L2/L3 once per block instead of once per row. Columns past the last full tile use m directly.
 * Same arithmetic per element as loraKernel.
 */
// @ts-ignore: decorator
@inline function loraBlock(coefs: usize, m: usize, packed: usize, width: i32, r: i32, s: f32, w: usize, rows: i32, mode: i32): void {
  const rowBytes = <usize>width << 2
  const coefStride = <usize>r << 2
  const tileBytes = <usize>r << 7
  const sv = f32x4.splat(s)
  let j = 0
  let mt = packed
  for (; j + 32 <= width; j += 32) {
    for (let i = 0; i < rows; i++) tile32(coefs + <usize>i * coefStride, mt, 128, r, sv, w + <usize>i * rowBytes + (<usize>j << 2), mode)
    mt += tileBytes
  }
  for (; j + 4 <= width; j += 4) {
    const mc = m + (<usize>j << 2)
    for (let i = 0; i < rows; i++) tile4(coefs + <usize>i * coefStride, mc, rowBytes, r, sv, w + <usize>i * rowBytes + (<usize>j << 2), mode)
  }
  for (; j < width; j++) {
    const mc = m + (<usize>j << 2)
    for (let i = 0; i < rows; i++) tile1(coefs + <usize>i * coefStride, mc, rowBytes, r, s, w + <usize>i * rowBytes + (<usize>j << 2), mode)
  }
}

/** out[j] = f32(f32(Σ_k coef[k]·m[k·width+j]) · s), the JS `rowDelta`. */
export function rowDelta(coef: usize, m: usize, width: i32, r: i32, s: f32, out: usize): void {
  loraKernel(coef, m, width, r, s, out, MODE_DELTA)
}

/** w[j] = f32(w[j] + rowDelta(...)[j]) in one pass: rowDelta then addInto. */
export function loraRow(coef: usize, m: usize, width: i32, r: i32, s: f32, w: usize): void {
  loraKernel(coef, m, width, r, s, w, MODE_ADD)
}

// @ts-ignore: decorator
@inline function loraRowsMode(coefs: usize, m: usize, packed: usize, width: i32, r: i32, s: f32, w: usize, rows: i32, mode: i32): void {
  if (packed != 0) {
    loraBlock(coefs, m, packed, width, r, s, w, rows, mode)
    return
  }
  const coefStride = <usize>r << 2
  const wStride = <usize>width << 2
  for (let i = 0; i < rows; i++) loraKernel(coefs + <usize>i * coefStride, m, width, r, s, w + <usize>i * wStride, mode)
}

/**
 * `rows` LoRA rows against one m: row i uses coef = coefs + i·r floats and w = w + i·width floats.
 * packed = 0: row after row (best while m fits in L2). Otherwise `packed` holds
 * packTiles(m, width, r) and the rows go tile by tile (m read once per call, not once per row).
 * round: 0 adds the f32 delta (one rounding, the default PEFT merge); 1 / 2 first round the
 * delta through bf16 / f16 (the double-rounding merges). Same bits in every case.
 */
export function loraRows(coefs: usize, m: usize, packed: usize, width: i32, r: i32, s: f32, w: usize, rows: i32, round: i32): void {
  if (round == 1) loraRowsMode(coefs, m, packed, width, r, s, w, rows, MODE_ADD_BF16)
  else if (round == 2) loraRowsMode(coefs, m, packed, width, r, s, w, rows, MODE_ADD_F16)
  else loraRowsMode(coefs, m, packed, width, r, s, w, rows, MODE_ADD)
}

// ---------------------------------------------------------------------------------------------
// LoRA rows on stored weights: the fused merge path.
//
// w holds `rows` rows of `width` elements in their stored dtype (f32, bf16 or f16). Each element
// is decoded to f32, gets f32(w + delta) as in loraRows, and is rounded back to the dtype
// (round-to-nearest-even; a NaN becomes the canonical 0x7FC0 / 0x7E00). Same bits as
// decode -> loraRows -> roundThrough -> encode, without an f32 copy of the rows.

const DT_F32: i32 = 0
const DT_BF16: i32 = 1
const DT_F16: i32 = 2

// @ts-ignore: decorator
@inline function scaledDelta(acc: v128, sv: v128, mode: i32): v128 {
  const d = f32x4.mul(acc, sv)
  if (mode == MODE_ADD_BF16) return roundBf16x4(d)
  if (mode == MODE_ADD_F16) return f16ToF32x4(f32ToF16x4(d))
  return d
}

/** f32 bits -> f16 bits; a NaN becomes 0x7E00 (what a decode/encode round trip gives). */
// @ts-ignore: decorator
@inline function f32ToF16CanonX4(x: v128): v128 {
  const isNan = i32x4.gt_s(v128.and(x, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000))
  return v128.bitselect(i32x4.splat(0x7e00), f32ToF16x4(x), isNan)
}

/** 8 stored elements at o (16 bytes of bf16/f16, or 32 of f32) += the deltas of accumulators a, b (f32 with MODE_DELTA: = the deltas). */
// @ts-ignore: decorator
@inline function finishStored8(o: usize, a: v128, b: v128, sv: v128, mode: i32, dt: i32): void {
  const da = scaledDelta(a, sv, mode)
  const db = scaledDelta(b, sv, mode)
  if (dt == DT_F32) {
    if (mode == MODE_DELTA) {
      v128.store(o, da)
      v128.store(o, db, 16)
      return
    }
    v128.store(o, f32x4.add(v128.load(o), da))
    v128.store(o, f32x4.add(v128.load(o, 16), db), 16)
    return
  }
  const v = v128.load(o)
  if (dt == DT_BF16) {
    const sa = f32x4.add(bf16ToF32x4Lo(v), da)
    const sb = f32x4.add(bf16ToF32x4Hi(v), db)
    v128.store(o, i16x8.narrow_i32x4_u(f32ToBf16x4(sa), f32ToBf16x4(sb)))
  } else {
    const sa = f32x4.add(f16ToF32x4(i32x4.extend_low_i16x8_u(v)), da)
    const sb = f32x4.add(f16ToF32x4(i32x4.extend_high_i16x8_u(v)), db)
    v128.store(o, i16x8.narrow_i32x4_u(f32ToF16CanonX4(sa), f32ToF16CanonX4(sb)))
  }
}

// @ts-ignore: decorator
@inline function tile32Stored(coef: usize, mc: usize, rowBytes: usize, r: i32, sv: v128, o: usize, mode: i32, dt: i32): void {
  let a0 = f32x4.splat(0)
  let a1 = f32x4.splat(0)
  let a2 = f32x4.splat(0)
  let a3 = f32x4.splat(0)
  let a4 = f32x4.splat(0)
  let a5 = f32x4.splat(0)
  let a6 = f32x4.splat(0)
  let a7 = f32x4.splat(0)
  let p = mc
  for (let k = 0; k < r; k++) {
    const c = v128.load32_splat(coef + (<usize>k << 2))
    a0 = f32x4.add(a0, f32x4.mul(c, v128.load(p)))
    a1 = f32x4.add(a1, f32x4.mul(c, v128.load(p, 16)))
    a2 = f32x4.add(a2, f32x4.mul(c, v128.load(p, 32)))
    a3 = f32x4.add(a3, f32x4.mul(c, v128.load(p, 48)))
    a4 = f32x4.add(a4, f32x4.mul(c, v128.load(p, 64)))
    a5 = f32x4.add(a5, f32x4.mul(c, v128.load(p, 80)))
    a6 = f32x4.add(a6, f32x4.mul(c, v128.load(p, 96)))
    a7 = f32x4.add(a7, f32x4.mul(c, v128.load(p, 112)))
    p += rowBytes
  }
  const step: usize = dt == DT_F32 ? 32 : 16
  finishStored8(o, a0, a1, sv, mode, dt)
  finishStored8(o + step, a2, a3, sv, mode, dt)
  finishStored8(o + 2 * step, a4, a5, sv, mode, dt)
  finishStored8(o + 3 * step, a6, a7, sv, mode, dt)
}

/** One column of one row (tails), with the lane code of the SIMD path. */
// @ts-ignore: decorator
@inline function tile1Stored(coef: usize, mc: usize, rowBytes: usize, r: i32, s: f32, o: usize, mode: i32, dt: i32): void {
  let acc: f32 = 0
  let p = mc
  for (let k = 0; k < r; k++) {
    acc = acc + load<f32>(coef + (<usize>k << 2)) * load<f32>(p)
    p += rowBytes
  }
  const d = scaledDelta(f32x4.splat(acc), f32x4.splat(s), mode)
  if (dt == DT_F32) {
    store<f32>(o, load<f32>(o) + f32x4.extract_lane(d, 0))
  } else if (dt == DT_BF16) {
    const sum = f32x4.add(i32x4.splat(<u32>load<u16>(o) << 16), d)
    store<u16>(o, <u16>i32x4.extract_lane(f32ToBf16x4(sum), 0))
  } else {
    const sum = f32x4.add(f16ToF32x4(i32x4.splat(<u32>load<u16>(o))), d)
    store<u16>(o, <u16>i32x4.extract_lane(f32ToF16CanonX4(sum), 0))
  }
}

// @ts-ignore: decorator
@inline function loraStoredMode(coefs: usize, m: usize, packed: usize, width: i32, r: i32, s: f32, w: usize, rows: i32, mode: i32, dt: i32): void {
  const mRowBytes = <usize>width << 2
  const ebytes: usize = dt == DT_F32 ? 4 : 2
  const wRowBytes = <usize>width * ebytes
  const coefStride = <usize>r << 2
  const tileBytes = <usize>r << 7
  const sv = f32x4.splat(s)
  const full = width & ~31
  if (packed != 0) {
    // Column tile by column tile, each tile of m (packed, r·128 bytes) reused by every row.
    let mt = packed
    for (let j = 0; j < full; j += 32) {
      for (let i = 0; i < rows; i++) tile32Stored(coefs + <usize>i * coefStride, mt, 128, r, sv, w + <usize>i * wRowBytes + <usize>j * ebytes, mode, dt)
      mt += tileBytes
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const c = coefs + <usize>i * coefStride
      const wr = w + <usize>i * wRowBytes
      for (let j = 0; j < full; j += 32) tile32Stored(c, m + (<usize>j << 2), mRowBytes, r, sv, wr + <usize>j * ebytes, mode, dt)
    }
  }
  for (let i = 0; i < rows; i++) {
    const c = coefs + <usize>i * coefStride
    const wr = w + <usize>i * wRowBytes
    for (let j = full; j < width; j++) tile1Stored(c, m + (<usize>j << 2), mRowBytes, r, s, wr + <usize>j * ebytes, mode, dt)
  }
}

// @ts-ignore: decorator
@inline function loraStoredDtype(coefs: usize, m: usize, packed: usize, width: i32, r: i32, s: f32, w: usize, rows: i32, round: i32, dt: i32): void {
  if (round == 1) loraStoredMode(coefs, m, packed, width, r, s, w, rows, MODE_ADD_BF16, dt)
  else if (round == 2) loraStoredMode(coefs, m, packed, width, r, s, w, rows, MODE_ADD_F16, dt)
  else loraStoredMode(coefs, m, packed, width, r, s, w, rows, MODE_ADD, dt)
}

/**
 * loraRows on rows stored as `dtype` (0 f32, 1 bf16, 2 f16), rounded back to that dtype in place.
 * packed: 0, or packTiles(m, width, r) (then m's full tiles are read from there).
 */
export function loraRowsStored(coefs: usize, m: usize, packed: usize, width: i32, r: i32, s: f32, w: usize, rows: i32, round: i32, dtype: i32): void {
  if (dtype == DT_BF16) loraStoredDtype(coefs, m, packed, width, r, s, w, rows, round, DT_BF16)
  else if (dtype == DT_F16) loraStoredDtype(coefs, m, packed, width, r, s, w, rows, round, DT_F16)
  else loraStoredDtype(coefs, m, packed, width, r, s, w, rows, round, DT_F32)
}

// ---------------------------------------------------------------------------------------------
// Row statistics: column sums in f64 (the mean row of a resize).

/** The 4 f32 lanes of stored elements at p (dt: 0 f32, 1 bf16, 2 f16) as f32x4. */
// @ts-ignore: decorator
@inline function load4Stored(p: usize, dt: i32): v128 {
  if (dt == DT_F32) return v128.load(p)
  const h = v128.load64_zero(p)
  if (dt == DT_BF16) return bf16ToF32x4Lo(h)
  return f16ToF32x4(i32x4.extend_low_i16x8_u(h))
}

// @ts-ignore: decorator
@inline function load1Stored(p: usize, dt: i32): f32 {
  if (dt == DT_F32) return load<f32>(p)
  if (dt == DT_BF16) return reinterpret<f32>(<u32>load<u16>(p) << 16)
  return reinterpret<f32>(f16ToF32Scalar(<u32>load<u16>(p)))
}

// @ts-ignore: decorator
@inline function rowSumsDtype(src: usize, rows: i32, width: i32, sum: usize, trainedOnly: i32, eps: f64, dt: i32): i32 {
  const eb: usize = dt == DT_F32 ? 4 : 2
  const rowBytes = <usize>width * eb
  const full = width & ~3
  let count = 0
  for (let i = 0; i < rows; i++) {
    const row = src + <usize>i * rowBytes
    if (trainedOnly) {
      // max |x| over the row; a NaN anywhere makes it NaN (f32x4.max propagates NaN), so the
      // row counts as untrained, as in the JS reference.
      let m = f32x4.splat(0)
      for (let j = 0; j < full; j += 4) m = f32x4.max(m, f32x4.abs(load4Stored(row + <usize>j * eb, dt)))
      for (let j = full; j < width; j++) m = f32x4.max(m, f32x4.abs(f32x4.splat(load1Stored(row + <usize>j * eb, dt))))
      m = f32x4.max(m, v128.shuffle<u32>(m, m, 2, 3, 0, 1))
      m = f32x4.max(m, v128.shuffle<u32>(m, m, 1, 0, 3, 2))
      if (!(<f64>f32x4.extract_lane(m, 0) > eps)) continue
    }
    for (let j = 0; j < full; j += 4) {
      const v = load4Stored(row + <usize>j * eb, dt)
      const s = sum + (<usize>j << 3)
      v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(v)))
      v128.store(s, f64x2.add(v128.load(s, 16), f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1))), 16)
    }
    for (let j = full; j < width; j++) {
      const s = sum + (<usize>j << 3)
      store<f64>(s, load<f64>(s) + <f64>load1Stored(row + <usize>j * eb, dt))
    }
    count++
  }
  return count
}

/**
 * Adds `rows` rows of `width` stored elements (dtype 0 f32, 1 bf16, 2 f16) at src to the f64
 * column sums at sum, row after row (the JS reference's order, so the same bits). trainedOnly:
 * skip rows whose max |x| is not above eps (all-zero rows, and rows holding a NaN). Returns the
 * number of rows added.
 */
export function rowSums(src: usize, dtype: i32, rows: i32, width: i32, sum: usize, trainedOnly: i32, eps: f64): i32 {
  if (dtype == DT_BF16) return rowSumsDtype(src, rows, width, sum, trainedOnly, eps, DT_BF16)
  if (dtype == DT_F16) return rowSumsDtype(src, rows, width, sum, trainedOnly, eps, DT_F16)
  return rowSumsDtype(src, rows, width, sum, trainedOnly, eps, DT_F32)
}
