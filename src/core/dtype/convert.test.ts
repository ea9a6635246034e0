/**
 * The JavaScript float conversions checked against independent references: bit layouts through
 * DataView, half values built by accumulating their spacing, and round-to-nearest-even decided
 * by comparing exact distances in f64 (not by the bit tricks the implementation uses).
 */
import { describe, expect, it } from 'vitest'
import {
  bf16BitsToF32,
  decodeToF32,
  decodeToF32Js,
  encodeFromF32,
  encodeFromF32Js,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  roundThrough,
  roundThroughJs,
} from './convert'

const dv = new DataView(new ArrayBuffer(4))
function f32FromBits(u: number): number {
  dv.setUint32(0, u >>> 0)
  return dv.getFloat32(0)
}
function bitsOfF32(x: number): number {
  dv.setFloat32(0, x)
  return dv.getUint32(0)
}

/** Cheap assertion for big loops: records the first mismatches, asserted once by `done()`. */
function collector() {
  const bad: string[] = []
  return {
    eq(got: unknown, want: unknown, ctx: string | number): void {
      if (!Object.is(got, want) && bad.length < 10) bad.push(`${ctx}: got ${String(got)}, want ${String(want)}`)
    },
    ok(cond: boolean, ctx: string | number): void {
      if (!cond && bad.length < 10) bad.push(`${ctx}: failed`)
    },
    done(): void {
      expect(bad).toEqual([])
    },
  }
}

// Seeded xorshift32.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return s >>> 0
  }
}

/**
 * Round-to-nearest-even between two neighbours of |x| (lo ≤ |x| ≤ hi, given as values and bit
 * patterns), decided by exact f64 distances; ties go to the even bit pattern.
 */
function nearestEven(ax: number, lo: number, loBits: number, hi: number, hiBits: number): number {
  const dl = ax - lo
  const dh = hi - ax
  if (dl < dh) return loBits
  if (dh < dl) return hiBits
  return loBits % 2 === 0 ? loBits : hiBits
}

// ------------------------------------------------------------------------------------------------
// bf16

/** Independent bf16 rounding: candidates are |x| truncated to 16 bits and the next bf16 up. */
function refBf16(x: number): number {
  const u = bitsOfF32(x)
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0
  const sign = (u >>> 16) & 0x8000
  const mag = u & 0x7fffffff
  if (mag === 0x7f800000) return sign | 0x7f80
  const loBits = mag >>> 16
  const lo = f32FromBits(loBits << 16)
  // One past the largest finite bf16 stands for 2^128 (IEEE overflow threshold).
  const hi = loBits + 1 === 0x7f80 ? 2 ** 128 : f32FromBits((loBits + 1) << 16)
  return sign | nearestEven(Math.abs(x), lo, loBits, hi, loBits + 1)
}

describe('bf16', () => {
  it('decodes all 65536 patterns to (h << 16) as f32 bits', () => {
    const h = new Uint16Array(65536).map((_, i) => i)
    const out = new Float32Array(65536)
    decodeToF32Js('BF16', new Uint8Array(h.buffer), out)
    const bits = new Uint32Array(out.buffer)
    const c = collector()
    for (let i = 0; i < 65536; i++) {
      c.eq(bits[i], (i << 16) >>> 0, i)
      const v = bf16BitsToF32(i)
      if (Number.isNaN(v)) c.ok((i & 0x7fff) > 0x7f80, i)
      else c.eq(v, f32FromBits(i << 16), i)
    }
    c.done()
  })

  it('encode(decode(h)) === h for every non-NaN pattern; every NaN becomes 0x7FC0', () => {
    const h = new Uint16Array(65536).map((_, i) => i)
    const f = new Float32Array(65536)
    decodeToF32Js('BF16', new Uint8Array(h.buffer), f)
    const back = new Uint16Array(65536)
    encodeFromF32Js('BF16', f, new Uint8Array(back.buffer))
    const c = collector()
    for (let i = 0; i < 65536; i++) {
      const isNan = (i & 0x7fff) > 0x7f80
      c.eq(back[i], isNan ? 0x7fc0 : i, i)
      c.eq(f32ToBf16Bits(bf16BitsToF32(i)), isNan ? 0x7fc0 : i, i)
    }
    c.done()
  })

  it('rounds exact halfway values to even, and their f32 neighbours to nearest, for every pair', () => {
    const c = collector()
    for (let h = 0; h < 0x7f80; h++) {
      for (const sign of [0, 0x8000]) {
        const mid = (((sign | h) << 16) | 0x8000) >>> 0
        const even = h % 2 === 0 ? h : h + 1
        c.eq(f32ToBf16Bits(f32FromBits(mid)), sign | even, `mid ${h}`)
        c.eq(f32ToBf16Bits(f32FromBits(mid - 1)), sign | h, `below ${h}`)
        c.eq(f32ToBf16Bits(f32FromBits(mid + 1)), sign | (h + 1), `above ${h}`)
        c.eq(refBf16(f32FromBits(mid)), sign | even, `ref ${h}`)
      }
    }
    c.done()
    // Max finite bf16 0x7F7F is odd: its halfway point to "2^128" rounds up to Inf.
    expect(f32ToBf16Bits(f32FromBits(0x7f7f8000))).toBe(0x7f80)
    expect(f32ToBf16Bits(f32FromBits(0x7f7f7fff))).toBe(0x7f7f)
    expect(f32ToBf16Bits(f32FromBits(0x7f7fffff))).toBe(0x7f80) // f32 max
  })

  it('matches the independent reference on random bit patterns and special values', () => {
    const next = rng(12345)
    const c = collector()
    for (let i = 0; i < 200_000; i++) {
      const x = f32FromBits(next())
      c.eq(f32ToBf16Bits(x), refBf16(x), x)
    }
    c.done()
    const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, f32FromBits(0x007fffff), f32FromBits(0x00800000), 3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 0.1]
    for (const x of specials) expect(f32ToBf16Bits(x)).toBe(refBf16(x))
    expect(f32ToBf16Bits(-0)).toBe(0x8000)
    expect(f32ToBf16Bits(-Infinity)).toBe(0xff80)
    expect(f32ToBf16Bits(f32FromBits(0xffc12345))).toBe(0x7fc0) // NaN sign and payload dropped
  })
})

// ------------------------------------------------------------------------------------------------
// f16

/** Positive finite half values 0x0000..0x7BFF, built by accumulating the spacing (exact in f64). */
const HALF = (() => {
  const v = new Float64Array(0x7c00)
  for (let h = 1; h < 0x7c00; h++) v[h] = v[h - 1] + 2 ** (Math.max(1, (h - 1) >> 10) - 25)
  return v
})()

/** Independent f16 rounding by binary search in HALF; 65536 stands for the overflow threshold. */
function refF16(x: number): number {
  if (Number.isNaN(x)) return -1 // callers check NaN separately
  const sign = bitsOfF32(x) & 0x80000000 ? 0x8000 : 0
  const ax = Math.abs(x)
  if (ax === Infinity) return sign | 0x7c00
  if (ax >= 65504) return sign | nearestEven(ax, 65504, 0x7bff, 65536, 0x7c00)
  let lo = 0
  let hi = 0x7bff // HALF[lo] ≤ ax < HALF[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (HALF[mid] <= ax) lo = mid
    else hi = mid
  }
  return sign | nearestEven(ax, HALF[lo], lo, HALF[hi], hi)
}

describe('f16', () => {
  it('decodes every finite half to the value built from its spacing, with anchors', () => {
    expect(HALF[0x3c00]).toBe(1)
    expect(HALF[0x7bff]).toBe(65504)
    expect(HALF[0x0400]).toBe(2 ** -14)
    expect(HALF[0x0001]).toBe(2 ** -24)
    expect(HALF[0x03ff]).toBe(2 ** -14 - 2 ** -24)
    const h = new Uint16Array(65536).map((_, i) => i)
    const out = new Float32Array(65536)
    decodeToF32Js('F16', new Uint8Array(h.buffer), out)
    const c = collector()
    for (let i = 0; i < 65536; i++) {
      const mag = i & 0x7fff
      const neg = i & 0x8000
      const got = out[i]
      c.ok(Object.is(got, f16BitsToF32(i)) || (Number.isNaN(got) && Number.isNaN(f16BitsToF32(i))), i)
      if (mag < 0x7c00) c.eq(got, neg ? -HALF[mag] : HALF[mag], i)
      else if (mag === 0x7c00) c.eq(got, neg ? -Infinity : Infinity, i)
      else c.ok(Number.isNaN(got), i)
    }
    c.done()
  })

  it('encode(decode(h)) === h for every non-NaN pattern; NaN stays a quiet NaN with its sign', () => {
    const h = new Uint16Array(65536).map((_, i) => i)
    const f = new Float32Array(65536)
    decodeToF32Js('F16', new Uint8Array(h.buffer), f)
    const back = new Uint16Array(65536)
    encodeFromF32Js('F16', f, new Uint8Array(back.buffer))
    const c = collector()
    for (let i = 0; i < 65536; i++) {
      if ((i & 0x7fff) > 0x7c00) {
        c.eq(back[i] & 0x7e00, 0x7e00, i) // NaN, quiet bit set
        continue
      }
      c.eq(back[i], i, i)
      c.eq(f32ToF16Bits(f16BitsToF32(i)), i, i)
    }
    c.done()
    expect(f32ToF16Bits(f32FromBits(0xff800001))).toBe(0xfe00) // signalling NaN: quieted, sign kept
    expect(f32ToF16Bits(f32FromBits(0x7fffe000))).toBe(0x7fff) // top payload bits kept
  })

  it('rounds every halfway point between neighbouring halves to even (subnormals, overflow included)', () => {
    const c = collector()
    for (let h = 0; h < 0x7c00; h++) {
      const lo = HALF[h]
      const hi = h === 0x7bff ? 65536 : HALF[h + 1]
      const mid = (lo + hi) / 2
      c.eq(Math.fround(mid), mid, `f32 ${h}`) // representable in f32
      const even = h % 2 === 0 ? h : h + 1
      for (const sign of [1, -1]) {
        const sb = sign < 0 ? 0x8000 : 0
        c.eq(f32ToF16Bits(sign * mid), sb | even, `mid ${h}`)
        const below = f32FromBits(bitsOfF32(mid) - 1)
        const above = f32FromBits(bitsOfF32(mid) + 1)
        c.eq(f32ToF16Bits(sign * below), sb | h, `below ${h}`)
        c.eq(f32ToF16Bits(sign * above), sb | (h + 1), `above ${h}`)
      }
    }
    c.done()
  })

  it('handles the subnormal and overflow boundaries', () => {
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001)
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000) // tie with 0 -> even (0)
    expect(f32ToF16Bits(-(2 ** -25))).toBe(0x8000)
    expect(f32ToF16Bits(f32FromBits(bitsOfF32(2 ** -25) + 1))).toBe(0x0001)
    expect(f32ToF16Bits(1.5 * 2 ** -24)).toBe(0x0002) // tie between 1 and 2 -> 2
    expect(f32ToF16Bits(2.5 * 2 ** -24)).toBe(0x0002) // tie between 2 and 3 -> 2
    expect(f32ToF16Bits(2 ** -14)).toBe(0x0400) // smallest normal
    expect(f32ToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400) // tie 0x03ff/0x0400 -> even 0x0400
    expect(f32ToF16Bits(f32FromBits(bitsOfF32(2 ** -14) - 1))).toBe(0x0400)
    expect(f32ToF16Bits(2 ** -14 - 2 ** -24)).toBe(0x03ff) // largest subnormal
    expect(f32ToF16Bits(1e-45)).toBe(0x0000) // f32 subnormal
    expect(f32ToF16Bits(-1e-45)).toBe(0x8000)
    expect(f32ToF16Bits(f32FromBits(0x007fffff))).toBe(0x0000)
    expect(f32ToF16Bits(65504)).toBe(0x7bff)
    expect(f32ToF16Bits(f32FromBits(bitsOfF32(65520) - 1))).toBe(0x7bff)
    expect(f32ToF16Bits(65520)).toBe(0x7c00) // tie with "65536": 0x7bff is odd -> Inf
    expect(f32ToF16Bits(-65520)).toBe(0xfc00)
    expect(f32ToF16Bits(1e10)).toBe(0x7c00)
    expect(f32ToF16Bits(3.4028234663852886e38)).toBe(0x7c00)
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00)
    expect(f32ToF16Bits(-Infinity)).toBe(0xfc00)
    expect(f32ToF16Bits(0)).toBe(0)
    expect(f32ToF16Bits(-0)).toBe(0x8000)
  })

  it('matches the independent reference on random f32 values', () => {
    const next = rng(777)
    const c = collector()
    for (let i = 0; i < 200_000; i++) {
      // Exponents 90..150 cover zero flush, subnormals, normals and overflow.
      const bits = ((next() & 0x80000000) | ((90 + (next() % 61)) << 23) | (next() & 0x7fffff)) >>> 0
      const x = f32FromBits(bits)
      c.eq(f32ToF16Bits(x), refF16(x), x)
    }
    for (let i = 0; i < 100_000; i++) {
      const x = f32FromBits(next())
      if (Number.isNaN(x)) c.eq(f32ToF16Bits(x) & 0x7e00, 0x7e00, 'NaN')
      else c.eq(f32ToF16Bits(x), refF16(x), x)
    }
    c.done()
  })
})

// ------------------------------------------------------------------------------------------------
// Array functions

describe('array conversions', () => {
  const next = rng(99)
  const n = 1000
  const vals = new Float32Array(n)
  for (let i = 0; i < n; i++) vals[i] = f32FromBits(next())

  it('encodeFromF32Js / decodeToF32Js agree with the scalar functions, at odd byte offsets too', () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const scalar = dtype === 'BF16' ? f32ToBf16Bits : f32ToF16Bits
      const backScalar = dtype === 'BF16' ? bf16BitsToF32 : f16BitsToF32
      const aligned = new Uint8Array(n * 2)
      encodeFromF32Js(dtype, vals, aligned)
      const big = new Uint8Array(n * 2 + 1)
      const odd = big.subarray(1)
      encodeFromF32Js(dtype, vals, odd)
      expect(Buffer.compare(aligned, odd)).toBe(0)
      const h = new Uint16Array(aligned.buffer)
      const c = collector()
      for (let i = 0; i < n; i++) c.eq(h[i], scalar(vals[i]), i)
      const a = new Float32Array(n)
      const b = new Float32Array(n)
      decodeToF32Js(dtype, aligned, a)
      decodeToF32Js(dtype, odd, b)
      expect(Buffer.compare(new Uint8Array(a.buffer), new Uint8Array(b.buffer))).toBe(0)
      for (let i = 0; i < n; i++) {
        const want = backScalar(h[i])
        c.ok(Object.is(a[i], Math.fround(want)) || (Number.isNaN(a[i]) && Number.isNaN(want)), i)
      }
      c.done()
    }
  })

  it('F32 encode/decode copy the bits, at odd byte offsets too', () => {
    const out = new Uint8Array(n * 4 + 3).subarray(3)
    encodeFromF32Js('F32', vals, out)
    expect(Buffer.compare(out, new Uint8Array(vals.buffer))).toBe(0)
    const back = new Float32Array(n)
    decodeToF32Js('F32', out, back)
    expect(Buffer.compare(new Uint8Array(back.buffer), new Uint8Array(vals.buffer))).toBe(0)
  })

  it('roundThroughJs is encode then decode; F32 is a no-op', () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const v = vals.slice()
      roundThroughJs(dtype, v)
      const bytes = new Uint8Array(n * 2)
      encodeFromF32Js(dtype, vals, bytes)
      const want = new Float32Array(n)
      decodeToF32Js(dtype, bytes, want)
      expect(Buffer.compare(new Uint8Array(v.buffer), new Uint8Array(want.buffer))).toBe(0)
    }
    const v = vals.slice()
    roundThroughJs('F32', v)
    expect(Buffer.compare(new Uint8Array(v.buffer), new Uint8Array(vals.buffer))).toBe(0)
  })

  it('the dispatching exports give the reference bits (whichever implementation runs)', () => {
    for (const dtype of ['BF16', 'F16', 'F32'] as const) {
      const bpe = dtype === 'F32' ? 4 : 2
      const a = new Uint8Array(n * bpe)
      const b = new Uint8Array(n * bpe + 1).subarray(1)
      encodeFromF32Js(dtype, vals, a)
      encodeFromF32(dtype, vals, b)
      expect(Buffer.compare(a, b)).toBe(0)
      const x = new Float32Array(n)
      const y = new Float32Array(n)
      decodeToF32Js(dtype, a, x)
      decodeToF32(dtype, b, y)
      expect(Buffer.compare(new Uint8Array(x.buffer), new Uint8Array(y.buffer))).toBe(0)
      const p = vals.slice()
      const q = vals.slice()
      roundThroughJs(dtype, p)
      roundThrough(dtype, q)
      expect(Buffer.compare(new Uint8Array(p.buffer), new Uint8Array(q.buffer))).toBe(0)
    }
  })

  it('rejects dtypes it does not compute with', () => {
    expect(() => decodeToF32Js('I32', new Uint8Array(8), new Float32Array(2))).toThrow(/not a float dtype/)
    expect(() => encodeFromF32Js('I8', new Float32Array(2), new Uint8Array(8))).toThrow(/not a float dtype/)
    expect(() => decodeToF32('I32', new Uint8Array(4096), new Float32Array(1024))).toThrow(/not a float dtype/)
    expect(() => encodeFromF32('I8', new Float32Array(1024), new Uint8Array(4096))).toThrow(/not a float dtype/)
  })
})
