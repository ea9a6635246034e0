/**
 * Micro benchmark: plain-JS reference kernels vs the WebAssembly SIMD kernels.
 *   node --import tsx bench/kernels.ts [--rows 4096] [--width 4096] [--r 16] [--reps 5]
 * Prints best-of-reps wall time, GB/s (bytes read + written by the kernel's contract) and, for
 * the LoRA kernels, GFLOP/s (2·r per output element). Also checks the two give the same bits.
 */
import { decodeToF32Js, encodeFromF32Js, roundThroughJs } from '../src/core/dtype/convert'
import { addIntoJs, loraRowsJs, rowDeltaJs } from '../src/core/exec/kernels'
import * as wasm from '../src/core/exec/wasm-kernels'

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}

const ROWS = arg('rows', 4096)
const WIDTH = arg('width', 4096)
const R = arg('r', 16)
const REPS = arg('reps', 5)
const N = ROWS * WIDTH

if (!wasm.available) {
  console.error(`wasm kernels unavailable: ${wasm.unavailableReason}`)
  process.exit(1)
}

// Deterministic pseudo-random data (xorshift32), weights ~N(0, 0.02)-ish, factors ~U(-0.05, 0.05).
let seed = 0x9e3779b9
function rnd(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 4294967296
}
const weights = new Float32Array(N)
for (let i = 0; i < N; i++) weights[i] = (rnd() + rnd() + rnd() - 1.5) * 0.04
const bf16Bytes = new Uint8Array(N * 2)
encodeFromF32Js('BF16', weights, bf16Bytes)
const f16Bytes = new Uint8Array(N * 2)
encodeFromF32Js('F16', weights, f16Bytes)
const A = new Float32Array(R * WIDTH).map(() => (rnd() - 0.5) * 0.1)
const B = new Float32Array(ROWS * R).map(() => (rnd() - 0.5) * 0.1)
const S = 2

function best(fn: () => void): number {
  fn() // warm-up (JIT, wasm memory growth)
  let t = Infinity
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint()
    fn()
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return t
}

function sameBits(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  return Buffer.compare(x, y) === 0
}

interface Row {
  kernel: string
  bytes: number
  flops?: number
  js: () => void
  wasm: () => void
  check: () => boolean
}

const outJs = new Float32Array(N)
const outWasm = new Float32Array(N)
const bytesJs = new Uint8Array(N * 2)
const bytesWasm = new Uint8Array(N * 2)
const deltaJs = new Float32Array(WIDTH)
const deltaWasm = new Float32Array(WIDTH)

const rowDeltaAll = (impl: typeof rowDeltaJs, out: Float32Array) => () => {
  for (let row = 0; row < ROWS; row++) impl(B.subarray(row * R, row * R + R), A, WIDTH, S, out)
}

const rows: Row[] = [
  {
    kernel: `decode bf16→f32 (${N} el)`,
    bytes: N * 6,
    js: () => decodeToF32Js('BF16', bf16Bytes, outJs),
    wasm: () => wasm.decodeToF32('BF16', bf16Bytes, outWasm),
    check: () => sameBits(outJs, outWasm),
  },
  {
    kernel: `encode f32→bf16 (${N} el)`,
    bytes: N * 6,
    js: () => encodeFromF32Js('BF16', weights, bytesJs),
    wasm: () => wasm.encodeFromF32('BF16', weights, bytesWasm),
    check: () => sameBits(bytesJs, bytesWasm),
  },
  {
    kernel: `decode f16→f32 (${N} el)`,
    bytes: N * 6,
    js: () => decodeToF32Js('F16', f16Bytes, outJs),
    wasm: () => wasm.decodeToF32('F16', f16Bytes, outWasm),
    check: () => sameBits(outJs, outWasm),
  },
  {
    kernel: `encode f32→f16 (${N} el)`,
    bytes: N * 6,
    js: () => encodeFromF32Js('F16', weights, bytesJs),
    wasm: () => wasm.encodeFromF32('F16', weights, bytesWasm),
    check: () => sameBits(bytesJs, bytesWasm),
  },
  {
    kernel: `roundThrough bf16 (${N} el)`,
    bytes: N * 8,
    js: () => {
      outJs.set(weights)
      roundThroughJs('BF16', outJs)
    },
    wasm: () => {
      outWasm.set(weights)
      wasm.roundThrough('BF16', outWasm)
    },
    check: () => sameBits(outJs, outWasm),
  },
  {
    kernel: `addInto (${N} el)`,
    bytes: N * 12,
    js: () => {
      outJs.set(weights)
      addIntoJs(outJs, weights)
    },
    wasm: () => {
      outWasm.set(weights)
      wasm.addInto(outWasm, weights)
    },
    check: () => sameBits(outJs, outWasm),
  },
  {
    // Bytes: each call reads m (r·width) + coef and writes width floats.
    kernel: `rowDelta w=${WIDTH} r=${R} ×${ROWS} rows`,
    bytes: ROWS * (R * WIDTH + R + WIDTH) * 4,
    flops: 2 * R * N,
    js: rowDeltaAll(rowDeltaJs, deltaJs),
    wasm: rowDeltaAll(wasm.rowDelta, deltaWasm),
    check: () => sameBits(deltaJs, deltaWasm),
  },
  {
    // Bytes: w read + written once, m and coefs read once.
    kernel: `loraRows (fused, m copied once) w=${WIDTH} r=${R} ×${ROWS}`,
    bytes: N * 8 + (R * WIDTH + ROWS * R) * 4,
    flops: 2 * R * N,
    js: () => {
      outJs.set(weights)
      loraRowsJs(B, R, A, WIDTH, S, outJs)
    },
    wasm: () => {
      outWasm.set(weights)
      wasm.loraRows(B, R, A, WIDTH, S, outWasm)
    },
    check: () => sameBits(outJs, outWasm),
  },
]

const only = process.argv.indexOf('--only')
const filter = only >= 0 ? process.argv[only + 1] : ''
console.log(`node ${process.version}, ${REPS} reps (best), rows=${ROWS} width=${WIDTH} r=${R}`)
console.log('kernel'.padEnd(46), 'JS ms'.padStart(9), 'JS GB/s'.padStart(8), 'wasm ms'.padStart(9), 'wasm GB/s'.padStart(10), 'speedup'.padStart(8), ' GFLOP/s js/wasm  same bits')
for (const row of rows) {
  if (filter && !row.kernel.includes(filter)) continue
  const tj = best(row.js)
  const tw = best(row.wasm)
  const gb = (t: number) => (row.bytes / 1e9 / (t / 1e3)).toFixed(2)
  const gf = row.flops ? `${(row.flops / 1e9 / (tj / 1e3)).toFixed(2)} / ${(row.flops / 1e9 / (tw / 1e3)).toFixed(2)}` : ''
  console.log(row.kernel.padEnd(46), tj.toFixed(1).padStart(9), gb(tj).padStart(8), tw.toFixed(1).padStart(9), gb(tw).padStart(10), `${(tj / tw).toFixed(1)}×`.padStart(8), ` ${gf.padEnd(16)} ${row.check() ? 'yes' : 'NO'}`)
}
