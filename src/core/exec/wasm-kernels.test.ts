/**
 * The WebAssembly kernels against the JavaScript reference, bit for bit: random data and edge
 * tables (±0, subnormals, ties, max finite, overflow, ±Inf, NaN), odd widths and ranks, the SIMD
 * blocks and scalar tails, and memory growth. Float results that are NaN on both sides count as
 * equal only where noted (NaN sign/payload after arithmetic is not specified, in JS or in wasm).
 */
import { describe, expect, it } from 'vitest'
import { decodeToF32, decodeToF32Js, encodeFromF32, encodeFromF32Js, roundThrough, roundThroughJs } from '../dtype/convert'
import { addInto, addIntoJs, loraRows, loraRowsJs, loraStored, loraStoredJs, rowDelta, rowDeltaJs, rowSumsJs } from './kernels'
import * as wasm from './wasm-kernels'

const dv = new DataView(new ArrayBuffer(4))
function f32FromBits(u: number): number {
  dv.setUint32(0, u >>> 0)
  return dv.getFloat32(0)
}
function bitsOf(x: number): number {
  dv.setFloat32(0, x)
  return dv.getUint32(0)
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return s >>> 0
  }
}
const next = rng(20240611)
const unit = () => next() / 4294967296

function bytesOf(a: Float32Array | Uint8Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

/** First index where the bit patterns differ, or -1. */
function firstBitDiff(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): number {
  const x = bytesOf(a)
  const y = bytesOf(b)
  if (x.length !== y.length) return 0
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return a instanceof Float32Array ? i >> 2 : i
  return -1
}

function expectSameBits(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array, what: string): void {
  const i = firstBitDiff(a, b)
  if (i >= 0) {
    const show = (v: Float32Array | Uint8Array) => (v instanceof Float32Array ? `${v[i]} (0x${bitsOf(v[i]).toString(16)})` : String(v[i]))
    expect.fail(`${what}: first difference at ${i}: ${show(a)} vs ${show(b)}`)
  }
}

/** Same bits, except that any NaN equals any NaN. */
function expectSameOrBothNaN(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length).toBe(b.length)
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length)
  for (let i = 0; i < a.length; i++) {
    if (ua[i] === ub[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue
    expect.fail(`${what}: first difference at ${i}: ${a[i]} (0x${ua[i].toString(16)}) vs ${b[i]} (0x${ub[i].toString(16)})`)
  }
}

// ------------------------------------------------------------------------------------------------
// Edge tables.

const F32_EDGES_BITS: number[] = [
  0x00000000, 0x80000000, // ±0
  0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // f32 subnormals
  0x00800000, 0x80800000, // smallest f32 normal
  0x7f7fffff, 0xff7fffff, // f32 max finite
  0x7f800000, 0xff800000, // ±Inf
  0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff, 0x7fffffff, 0xffffffff, 0x7fc12345, 0x7fffe000, // NaNs: quiet, signalling, payloads
  0x3f800000, 0xbf800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, // 1, bf16 ties (even down, odd up) and neighbours
  0x7f7f8000, 0x7f7f7fff, 0x7f7f8001, 0xff7f8000, // halfway above max finite bf16 -> Inf
]

/** f16-relevant f32 values: subnormal boundaries, ties, max finite, overflow. */
function f16Edges(): number[] {
  const v = [
    2 ** -24, 2 ** -25, 1.5 * 2 ** -24, 2.5 * 2 ** -24, 3 * 2 ** -25, 2 ** -26, 2 ** -14, 2 ** -14 - 2 ** -24, 2 ** -14 - 2 ** -25,
    65504, 65519, 65520, 65536, 70000, 1e10, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2048 + 1, 2048 + 3, 0.1, 1 / 3,
  ]
  const out: number[] = []
  for (const x of v) {
    const b = bitsOf(x)
    for (const d of [-1, 0, 1]) {
      out.push((b + d) >>> 0, ((b + d) | 0x80000000) >>> 0)
    }
  }
  // Every tie point between neighbouring halves in a few binades, and around the subnormal edge.
  for (let h = 0; h < 0x7c00; h += h < 0x500 ? 1 : 97) {
    const lo = h < 0x400 ? h * 2 ** -24 : 2 ** ((h >> 10) - 15) * (1 + (h & 0x3ff) / 1024)
    const step = 2 ** (Math.max(1, h >> 10) - 25)
    const mid = bitsOf(lo + step / 2)
    out.push(mid, (mid - 1) >>> 0, (mid + 1) >>> 0, (mid | 0x80000000) >>> 0)
  }
  return out
}

const EDGE_BITS = [...F32_EDGES_BITS, ...f16Edges()]

/**
 * Arrangements of the edge values so that each SIMD block sees them alone, replicated (a whole
 * vector of one special value) and scattered among ordinary normals; odd lengths exercise tails.
 */
function edgeArrays(): Float32Array[] {
  const plain = new Uint32Array(EDGE_BITS)
  const replicated = new Uint32Array(EDGE_BITS.length * 9)
  EDGE_BITS.forEach((b, i) => replicated.fill(b, i * 9, i * 9 + 9))
  const scattered = new Uint32Array(EDGE_BITS.length * 13)
  for (let i = 0; i < scattered.length; i++) scattered[i] = bitsOf((unit() - 0.5) * 4)
  EDGE_BITS.forEach((b, i) => (scattered[i * 13 + (i % 13)] = b))
  return [plain, replicated, scattered].map((u) => new Float32Array(u.buffer))
}

function randomBitsF32(n: number): Float32Array {
  const u = new Uint32Array(n)
  for (let i = 0; i < n; i++) u[i] = next()
  return new Float32Array(u.buffer)
}

/** Weight-like values: mostly normal, a sprinkle of tiny ones (f16 subnormals), some zeros. */
function weightLike(n: number): Float32Array {
  const a = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const r = unit()
    a[i] = r < 0.01 ? 0 : r < 0.03 ? (unit() - 0.5) * 1e-5 : (unit() + unit() + unit() - 1.5) * 0.05
  }
  return a
}

// ------------------------------------------------------------------------------------------------

describe('wasm kernels', () => {
  it('load (resources/kernels.wasm is committed)', () => {
    expect(wasm.unavailableReason).toBeNull()
    expect(wasm.available).toBe(true)
  })

  describe('conversions', () => {
    const inputs = (): [string, Float32Array][] => [
      ...edgeArrays().map((a, i) => [`edges#${i}`, a] as [string, Float32Array]),
      ['random bits', randomBitsF32(100_003)],
      ['weight-like', weightLike(3 * 65536 + 5)], // several wrapper blocks plus a tail
      ['length 1', new Float32Array([f32FromBits(0x3f808000)])],
      ['length 7', new Float32Array([1, -0, 65520, NaN, 2 ** -25, -Infinity, 1e-45])],
      ['empty', new Float32Array(0)],
    ]

    for (const dtype of ['BF16', 'F16'] as const) {
      it(`encodeFromF32 ${dtype} matches JS bit for bit`, () => {
        for (const [name, v] of inputs()) {
          const a = new Uint8Array(v.length * 2)
          const b = new Uint8Array(v.length * 2 + 1).subarray(1) // odd byte offset on the wasm side
          encodeFromF32Js(dtype, v, a)
          wasm.encodeFromF32(dtype, v, b)
          expectSameBits(a, b, `${dtype} encode ${name}`)
        }
      })

      it(`decodeToF32 ${dtype} matches JS bit for bit on all 65536 patterns`, () => {
        const seq = new Uint16Array(65536).map((_, i) => i)
        const shuffled = seq.slice()
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = next() % (i + 1)
          const t = shuffled[i]
          shuffled[i] = shuffled[j]
          shuffled[j] = t
        }
        for (const [name, h] of [['sequential', seq], ['shuffled', shuffled], ['tail', seq.subarray(0, 13)]] as const) {
          const bytes = bytesOf(h)
          const odd = new Uint8Array(bytes.length + 1)
          odd.set(bytes, 1)
          const a = new Float32Array(h.length)
          const b = new Float32Array(h.length)
          const c = new Float32Array(h.length)
          decodeToF32Js(dtype, bytes, a)
          wasm.decodeToF32(dtype, bytes, b)
          wasm.decodeToF32(dtype, odd.subarray(1), c)
          expectSameBits(a, b, `${dtype} decode ${name}`)
          expectSameBits(a, c, `${dtype} decode ${name} (odd offset)`)
        }
      })

      it(`roundThrough ${dtype} matches JS bit for bit`, () => {
        for (const [name, v] of inputs()) {
          const a = v.slice()
          const b = v.slice()
          roundThroughJs(dtype, a)
          wasm.roundThrough(dtype, b)
          expectSameBits(a, b, `${dtype} roundThrough ${name}`)
        }
      })
    }

    it('F32 encode/decode copy bits', () => {
      const v = randomBitsF32(1001)
      const bytes = new Uint8Array(v.length * 4 + 1).subarray(1)
      wasm.encodeFromF32('F32', v, bytes)
      expectSameBits(bytesOf(v), bytes, 'F32 encode')
      const back = new Float32Array(v.length)
      wasm.decodeToF32('F32', bytes, back)
      expectSameBits(v, back, 'F32 decode')
    })

    it('rejects bad arguments instead of reading or writing out of bounds', () => {
      expect(() => wasm.decodeToF32('BF16', new Uint8Array(10), new Float32Array(6))).toThrow(RangeError)
      expect(() => wasm.encodeFromF32('F16', new Float32Array(6), new Uint8Array(10))).toThrow(RangeError)
      expect(() => wasm.decodeToF32('I8', new Uint8Array(10), new Float32Array(5))).toThrow(/not a float dtype/)
    })
  })

  describe('LoRA arithmetic', () => {
    const WIDTHS = [1, 2, 3, 4, 5, 7, 8, 31, 32, 33, 36, 63, 64, 65, 100, 257, 4099]
    const RANKS = [1, 2, 3, 16, 64]
    const SCALES = [2, 0.5, 1 / 3, 16 / 7, -1.25, 1e-40, 3e38]

    it('rowDelta matches JS bit for bit on random data (widths × ranks × scales)', () => {
      for (const width of WIDTHS) {
        for (const r of RANKS) {
          if (width * r > 300_000) continue
          const m = weightLike(r * width)
          const coef = weightLike(r)
          const s = SCALES[(width + r) % SCALES.length]
          const a = new Float32Array(width)
          const b = new Float32Array(width)
          rowDeltaJs(coef, m, width, s, a)
          wasm.rowDelta(coef, m, width, s, b)
          expectSameBits(a, b, `rowDelta width=${width} r=${r} s=${s}`)
        }
      }
    })

    it('rowDelta matches JS on edge values (subnormal products, signed zeros, overflow, Inf/NaN)', () => {
      // Products of these underflow to subnormals/zero, overflow to Inf, or make -0.
      const pool = [0, -0, 1e-45, -1e-45, 1e-20, -1e-20, 1e-39, 3e38, -3e38, 1e20, 1, -1, 0.1, 1 + 2 ** -23, 65504, 2 ** -24]
      const special = [Infinity, -Infinity, NaN]
      for (const withSpecial of [false, true]) {
        for (const width of [1, 5, 33, 64, 71]) {
          for (const r of [1, 3, 16, 64]) {
            const pick = () => (withSpecial && unit() < 0.05 ? special[next() % 3] : pool[next() % pool.length])
            const m = new Float32Array(r * width).map(pick)
            const coef = new Float32Array(r).map(pick)
            for (const s of [1, -0, 0.5, 3e38, 1e-45]) {
              const a = new Float32Array(width)
              const b = new Float32Array(width)
              rowDeltaJs(coef, m, width, s, a)
              wasm.rowDelta(coef, m, width, s, b)
              const what = `rowDelta edges width=${width} r=${r} s=${s}`
              if (withSpecial) expectSameOrBothNaN(a, b, what)
              else expectSameBits(a, b, what)
            }
          }
        }
      }
    })

    it('rowDelta starts the k sum from +0 like JS (a lone -0 product gives +0)', () => {
      const a = new Float32Array(9)
      const b = new Float32Array(9)
      const coef = new Float32Array([-1])
      const m = new Float32Array(9) // all +0: products are -0
      rowDeltaJs(coef, m, 9, 1, a)
      wasm.rowDelta(coef, m, 9, 1, b)
      expect(Object.is(a[0], 0)).toBe(true)
      expectSameBits(a, b, 'signed zero')
    })

    it('rowDelta uses f32(s), and r = 0 gives zeros', () => {
      const m = weightLike(64 * 3)
      const coef = weightLike(3)
      for (const s of [0.1, Math.PI, 1 + 2 ** -30, 1e-50]) {
        const a = new Float32Array(64)
        const b = new Float32Array(64)
        rowDeltaJs(coef, m, 64, s, a)
        wasm.rowDelta(coef, m, 64, s, b)
        expectSameBits(a, b, `s=${s}`)
      }
      const a = new Float32Array(10).fill(7)
      const b = new Float32Array(10).fill(7)
      rowDeltaJs(new Float32Array(0), m, 10, 2, a)
      wasm.rowDelta(new Float32Array(0), m, 10, 2, b)
      expectSameBits(a, b, 'r=0')
    })

    it('addInto matches JS bit for bit (and NaN-for-NaN with Inf/NaN inputs)', () => {
      for (const n of [1, 3, 8, 9, 255, 256, 1000, 2 * 65536 + 3]) {
        const w = weightLike(n)
        const d = weightLike(n).map((x) => x * 1e-3)
        const a = w.slice()
        const b = w.slice()
        addIntoJs(a, d)
        wasm.addInto(b, d)
        expectSameBits(a, b, `addInto n=${n}`)
      }
      for (const arr of edgeArrays()) {
        const d = arr.slice().reverse()
        const a = arr.slice()
        const b = arr.slice()
        addIntoJs(a, d)
        wasm.addInto(b, d)
        expectSameOrBothNaN(a, b, 'addInto edges')
      }
      // d longer than w: only w.length elements are used.
      const a = new Float32Array(5).fill(1)
      const b = new Float32Array(5).fill(1)
      const d = new Float32Array(8).fill(0.5)
      addIntoJs(a, d)
      wasm.addInto(b, d)
      expectSameBits(a, b, 'addInto long d')
    })

    it('loraRows equals the row-by-row rowDelta → roundThrough → addInto loop', () => {
      const cases: [number, number, number][] = [
        [4096, 16, 8], // width, r, rows
        [33, 3, 50],
        [1, 1, 7],
        [7, 2, 70_000], // several wrapper blocks of rows
        [300_000, 1, 2], // one row per block
        [65, 64, 9],
        [4099, 64, 20], // m > 512 KiB: packed column tiles, plus 4-wide and scalar tails
        [2048, 128, 40], // packed, width a multiple of 32
        [40, 4000, 3], // packed with a single full tile
      ]
      for (const [width, r, rows] of cases) {
        const m = weightLike(r * width)
        const coefs = weightLike(r * rows)
        const w0 = weightLike(width * rows)
        for (const round of ['F32', 'BF16', 'F16'] as const) {
          const a = w0.slice()
          const b = w0.slice()
          loraRowsJs(coefs, r, m, width, 0.75, a, round)
          wasm.loraRows(coefs, r, m, width, 0.75, b, round)
          expectSameBits(a, b, `loraRows width=${width} r=${r} rows=${rows} round=${round}`)
        }
      }
    })

    it('loraRowsJs is exactly the loop run-chunk performs', () => {
      const width = 37
      const r = 5
      const rows = 6
      const m = weightLike(r * width)
      const coefs = weightLike(r * rows)
      const w = weightLike(width * rows)
      for (const round of ['F32', 'BF16', 'F16'] as const) {
        const a = w.slice()
        const delta = new Float32Array(width)
        for (let i = 0; i < rows; i++) {
          rowDeltaJs(coefs.subarray(i * r, i * r + r), m, width, 3, delta)
          roundThroughJs(round, delta)
          addIntoJs(a.subarray(i * width, (i + 1) * width), delta)
        }
        const b = w.slice()
        loraRowsJs(coefs, r, m, width, 3, b, round)
        expectSameBits(a, b, `loraRowsJs ${round}`)
      }
    })

    it('loraStored (fused, in place on stored rows) equals decode → (loraRows → roundThrough) per term → encode', () => {
      const cases: [number, number, number][] = [
        [4096, 16, 8], // width, r, rows
        [33, 3, 50], // scalar tail only
        [1, 1, 7],
        [7, 2, 20_000], // many wrapper blocks of rows
        [4099, 64, 6], // m > 512 KiB: packed tiles plus a scalar tail
        [2048, 128, 12], // packed, width a multiple of 32
      ]
      for (const dtype of ['BF16', 'F16', 'F32'] as const) {
        const eb = dtype === 'F32' ? 4 : 2
        for (const [width, r, rows] of cases) {
          const n = width * rows
          // Stored rows: weight-like values with every kind of special pattern sprinkled in.
          const vals = weightLike(n)
          for (let i = 0; i < n; i += 97) vals[i] = [NaN, Infinity, -Infinity, 1e-40, -0, 65504, 3e38][i % 7]
          const stored = new Uint8Array(n * eb)
          encodeFromF32Js(dtype, vals, stored)
          if (dtype !== 'F32') for (let i = 0; i < n; i += 89) new DataView(stored.buffer).setUint16(2 * i, next() & 0xffff, true)
          const terms = (['F32', 'BF16', 'F16'] as const).map((roundDelta, k) => ({ coefs: weightLike(rows * (r + k)), m: weightLike((r + k) * width), r: r + k, s: 0.5 + k, roundDelta }))
          for (const use of [terms.slice(0, 1), terms]) {
            let want = new Uint8Array(0)
            let got = new Uint8Array(0)
            loraStoredJs(dtype, rows, width, use, (into) => into.set(stored), (from) => (want = from.slice()))
            wasm.loraStored(dtype, rows, width, use, (into) => into.set(stored), (from) => (got = from.slice()))
            const what = `loraStored ${dtype} width=${width} r=${r} rows=${rows} terms=${use.length}`
            if (dtype === 'F32') expectSameOrBothNaN(new Float32Array(want.buffer), new Float32Array(got.buffer), what)
            else expectSameBits(want, got, what)
          }
        }
      }
    })

    it('loraStored through the dispatcher hands fill a buffer of the stored size and drains the result', () => {
      const rows = 3
      const width = 40
      const stored = new Uint8Array(rows * width * 2)
      encodeFromF32Js('BF16', weightLike(rows * width), stored)
      const term = { coefs: weightLike(rows * 2), m: weightLike(2 * width), r: 2, s: 2, roundDelta: 'F32' as const }
      let filled = -1
      let out = new Uint8Array(0)
      loraStored('BF16', rows, width, [term], (into) => ((filled = into.length), into.set(stored)), (from) => (out = from.slice()))
      expect(filled).toBe(stored.length)
      let want = new Uint8Array(0)
      loraStoredJs('BF16', rows, width, [term], (into) => into.set(stored), (from) => (want = from.slice()))
      expectSameBits(want, out, 'dispatch')
    })

    it('rowSums (f64 column sums of stored rows, trained rows only or all) equals the JS loop', () => {
      for (const dtype of ['BF16', 'F16', 'F32'] as const) {
        const eb = dtype === 'F32' ? 4 : 2
        for (const [width, rows] of [[4096, 9], [37, 40], [3, 5], [1, 12], [64, 300]] as const) {
          const vals = weightLike(width * rows)
          // Planted rows: all zero, all tiny (≤ eps once decoded), one NaN, one huge value.
          vals.fill(0, 0, width)
          if (rows > 2) vals.fill(1e-20, width, 2 * width)
          if (rows > 3) vals[3 * width + (width >> 1)] = NaN
          if (rows > 4) vals[4 * width] = 6e4
          const bytes = new Uint8Array(width * rows * eb)
          encodeFromF32Js(dtype, vals, bytes)
          for (const trained of [true, false]) {
            const a = new Float64Array(width).fill(0.25)
            const b = new Float64Array(width).fill(0.25)
            const ca = rowSumsJs(dtype, bytes, rows, width, a, trained, 1e-16)
            const cb = wasm.rowSums(dtype, rows, width, (into) => into.set(bytes), b, trained, 1e-16, 12345)
            const what = `rowSums ${dtype} width=${width} rows=${rows} trained=${trained}`
            expect(cb, what).toBe(ca)
            for (let j = 0; j < width; j++) if (!(Number.isNaN(a[j]) && Number.isNaN(b[j])) && a[j] !== b[j]) expect.fail(`${what}: column ${j}: ${a[j]} vs ${b[j]}`)
            if (trained) expect(ca, what).toBe(rows - (rows > 3 ? 3 : rows > 2 ? 2 : 1))
          }
        }
      }
    })

    it('survives memory growth: results stay right after a call that grows the memory', () => {
      const before = new Float32Array(64)
      const after = new Float32Array(64)
      const m = weightLike(4 * 64)
      const coef = weightLike(4)
      wasm.rowDelta(coef, m, 64, 2, before)
      // r · width · 4 = 32 MB forces a grow.
      const bigW = 131_072
      const bigM = weightLike(64 * bigW)
      const bigCoef = weightLike(64)
      const a = new Float32Array(bigW)
      const b = new Float32Array(bigW)
      rowDeltaJs(bigCoef, bigM, bigW, 0.5, a)
      wasm.rowDelta(bigCoef, bigM, bigW, 0.5, b)
      expectSameBits(a, b, 'big rowDelta')
      wasm.rowDelta(coef, m, 64, 2, after)
      expectSameBits(before, after, 'after grow')
    })
  })

  describe('dispatching exports (kernels.ts, convert.ts)', () => {
    it('give the reference bits above and below the size threshold', () => {
      for (const n of [5, 255, 256, 257, 5000]) {
        const v = weightLike(n)
        for (const dtype of ['BF16', 'F16'] as const) {
          const a = new Uint8Array(n * 2)
          const b = new Uint8Array(n * 2)
          encodeFromF32Js(dtype, v, a)
          encodeFromF32(dtype, v, b)
          expectSameBits(a, b, `encode ${dtype} n=${n}`)
          const x = new Float32Array(n)
          const y = new Float32Array(n)
          decodeToF32Js(dtype, a, x)
          decodeToF32(dtype, a, y)
          expectSameBits(x, y, `decode ${dtype} n=${n}`)
          const p = v.slice()
          const q = v.slice()
          roundThroughJs(dtype, p)
          roundThrough(dtype, q)
          expectSameBits(p, q, `roundThrough ${dtype} n=${n}`)
        }
        const d = weightLike(n)
        const p = v.slice()
        const q = v.slice()
        addIntoJs(p, d)
        addInto(q, d)
        expectSameBits(p, q, `addInto n=${n}`)
      }
      for (const [width, r] of [[3, 2], [64, 4], [1000, 16]]) {
        const m = weightLike(r * width)
        const coef = weightLike(r)
        const a = new Float32Array(width)
        const b = new Float32Array(width)
        rowDeltaJs(coef, m, width, 2, a)
        rowDelta(coef, m, width, 2, b)
        expectSameBits(a, b, `rowDelta width=${width} r=${r}`)
        const w = weightLike(width * 3)
        const coefs = weightLike(r * 3)
        const p = w.slice()
        const q = w.slice()
        loraRowsJs(coefs, r, m, width, 2, p, 'BF16')
        loraRows(coefs, r, m, width, 2, q, 'BF16')
        expectSameBits(p, q, `loraRows width=${width} r=${r}`)
      }
    })

    it('keep the JS behaviour for shapes the wasm path does not take', () => {
      // out longer than width: JS zero-fills the whole of out.
      const m = weightLike(16 * 300)
      const coef = weightLike(16)
      const a = new Float32Array(310).fill(5)
      const b = new Float32Array(310).fill(5)
      rowDeltaJs(coef, m, 300, 2, a)
      rowDelta(coef, m, 300, 2, b)
      expectSameBits(a, b, 'rowDelta long out')
    })
  })
})
