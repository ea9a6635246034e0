import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import type { TaskRunner } from '../../src/core/exec/worker-task'
import { GraftError } from '../../src/core/errors'
import { planConvert } from '../../src/core/plan/plan-convert'
import { INDEX_FILE, openCheckpoint } from '../../src/core/safetensors/open-checkpoint'
import { readSafetensorsHeader } from '../../src/core/safetensors/read-safetensors-header'
import { writeSafetensorsFile, type InMemoryTensor } from '../../src/core/safetensors/write-safetensors-file'
import { createPoolRunner } from '../../src/main/jobs/pool-runner'
import { DTYPE_BITS, type Dtype } from '../../src/shared/dtypes'
import { exists, fingerprintTree, makeTmp, prng, randomBytes, readJson, readTensorBytes, rejection, tempFoldersFor } from './helpers'

// ---------------------------------------------------------------------------------------------
// Independent references for the float formats (exact arithmetic, no bit tricks of convert.ts).
// ---------------------------------------------------------------------------------------------

const dv = new DataView(new ArrayBuffer(8))

function f32FromBits(bits: number): number {
  dv.setUint32(0, bits >>> 0, true)
  return dv.getFloat32(0, true)
}

/** The magnitude of a bf16 bit pattern without its sign (finite patterns only). */
function bf16Magnitude(b: number): number {
  const e = (b >>> 7) & 0xff
  const m = b & 0x7f
  return e === 0 ? m * 2 ** -133 : (1 + m / 128) * 2 ** (e - 127)
}

/** IEEE round-to-nearest-even of an f32 to bf16, decided by exact distances; NaN → 0x7FC0 (PyTorch). */
function refF32ToBf16(bits: number): number {
  const x = f32FromBits(bits)
  if (Number.isNaN(x)) return 0x7fc0
  const sign = bits >>> 31 ? 0x8000 : 0
  const a = Math.abs(x)
  if (a === Infinity) return sign | 0x7f80
  const lo = (bits & 0x7fffffff) >>> 16
  const loV = bf16Magnitude(lo)
  // Above the largest finite bf16 the next step is 2^128 (IEEE overflow threshold).
  const hiV = lo + 1 === 0x7f80 ? 2 ** 128 : bf16Magnitude(lo + 1)
  const dLo = a - loV
  const dHi = hiV - a
  const r = dLo < dHi ? lo : dLo > dHi ? lo + 1 : lo & 1 ? lo + 1 : lo
  return sign | r
}

/** Exact value of an f16 bit pattern. */
function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >>> 10) & 0x1f
  const m = h & 0x3ff
  if (e === 31) return m ? NaN : s * Infinity
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15)
}

function f32Bits(x: number): number {
  dv.setFloat32(0, x, true)
  return dv.getUint32(0, true)
}

const isF32NaN = (b: number) => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0
const isBf16NaN = (b: number) => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0

// ---------------------------------------------------------------------------------------------
// The model: every dtype of the table, edge values for the float formats.
// ---------------------------------------------------------------------------------------------

const F32_EDGES = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xff812345, // ±0, ±Inf, NaNs
  0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00010000, 0x00008000, 0x00018000, 0x00008001, // subnormals, bf16 ties among them
  0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f7f7fff, 0x7f7f8000, 0x7f7f8001, 0x7f7effff, // min normal, max finite, overflow to Inf
  0x3f800000, 0xbf800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f817fff, 0x3f80ffff, 0x3fffffff, 0x40490fdb, // 1, ties to even, pi
]
const F16_EDGES = [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x7c01, 0x7dff, 0x0001, 0x8001, 0x03ff, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0xbc00, 0x3555]
const BF16_EDGES = [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0xffc0, 0x7f81, 0x7fff, 0xff81, 0x0001, 0x8001, 0x007f, 0x0080, 0x7f7f, 0xff7f, 0x3f80, 0xbf80, 0x4049]

function u32Bytes(words: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(words.map((w) => w >>> 0)).buffer)
}
function u16Bytes(words: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(words).buffer)
}

/** Random f32 bits: half arbitrary patterns (NaNs, subnormals, huge), half plausible weights. */
function randomF32(rnd: () => number, n: number): Uint8Array {
  const w = new Uint32Array(n)
  for (let i = 0; i < n; i++) w[i] = rnd() < 0.5 ? (rnd() * 4294967296) >>> 0 : f32Bits((rnd() - 0.5) * 0.1)
  return new Uint8Array(w.buffer)
}

function buildTensors(): InMemoryTensor[] {
  const rnd = prng(20240601)
  const t = (name: string, dtype: Dtype, shape: number[], data?: Uint8Array): InMemoryTensor => {
    const n = shape.reduce((a, b) => a * b, 1)
    const bytes = Math.ceil((n * DTYPE_BITS[dtype]) / 8)
    return { name, dtype, shape, data: data ?? randomBytes(rnd, bytes) }
  }
  const list: InMemoryTensor[] = [
    // Floats: edge tables plus large random tensors that span several row chunks (4 Mi f32 elements each).
    t('f32.edges', 'F32', [F32_EDGES.length], u32Bytes(F32_EDGES)),
    t('f32.big', 'F32', [4200, 1024], randomF32(rnd, 4200 * 1024)),
    t('f32.scalar', 'F32', [], u32Bytes([0x3f808000])),
    t('f32.empty', 'F32', [0, 8]),
    t('f16.edges', 'F16', [F16_EDGES.length], u16Bytes(F16_EDGES)),
    t('f16.rand', 'F16', [512, 96]),
    t('bf16.edges', 'BF16', [BF16_EDGES.length], u16Bytes(BF16_EDGES)),
    t('bf16.big', 'BF16', [4500, 1024]),
    t('bf16.empty', 'BF16', [0, 16]),
    // Everything else is copied through untouched.
    t('f64.w', 'F64', [33, 7]),
    t('i8.w', 'I8', [100, 3]),
    t('u8.big', 'U8', [9000, 1024]),
    t('i16.w', 'I16', [17, 5]),
    t('u16.w', 'U16', [9]),
    t('i32.w', 'I32', [3, 3, 3]),
    t('u32.w', 'U32', [11]),
    t('i64.w', 'I64', [2, 5]),
    t('i64.empty', 'I64', [3, 0]),
    t('u64.w', 'U64', [4]),
    t('c64.w', 'C64', [6]),
    t('bool.w', 'BOOL', [37], Uint8Array.from({ length: 37 }, () => (rnd() < 0.5 ? 1 : 0))),
    t('f8e4m3.w', 'F8_E4M3', [64, 4]),
    t('f8e5m2.w', 'F8_E5M2', [64, 4]),
    t('f8e8m0.w', 'F8_E8M0', [16]),
    t('f8e4m3fnuz.w', 'F8_E4M3FNUZ', [16]),
    t('f8e5m2fnuz.w', 'F8_E5M2FNUZ', [16]),
    t('f4.w', 'F4', [6, 4]),
    t('f6e2m3.w', 'F6_E2M3', [4, 4]),
    t('f6e3m2.w', 'F6_E3M2', [8]),
  ]
  return list
}

// ---------------------------------------------------------------------------------------------

let root: string
let modelDir: string
let tensors: InMemoryTensor[]
const byName = () => new Map(tensors.map((t) => [t.name, t]))
const SIDE_FILES: Record<string, string> = {
  'config.json': JSON.stringify({ model_type: 'graft-test', architectures: ['GraftTest'], torch_dtype: 'float32' }, null, 2),
  'generation_config.json': '{"do_sample": false}\n',
  'tokenizer.json': '{"version": "1.0", "model": {"type": "BPE", "vocab": {}}}\n',
}

beforeAll(async () => {
  root = await makeTmp('roundtrip')
  modelDir = join(root, 'model')
  await mkdir(modelDir)
  tensors = buildTensors()
  await writeSafetensorsFile({ path: join(modelDir, 'model.safetensors'), tensors, metadata: { format: 'pt', source: 'graft-test' } })
  for (const [f, c] of Object.entries(SIDE_FILES)) await writeFile(join(modelDir, f), c)
  await writeFile(join(modelDir, '.hidden-note'), 'not copied')
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

it('covers every dtype of the safetensors table', () => {
  expect(new Set(tensors.map((t) => t.dtype))).toEqual(new Set(Object.keys(DTYPE_BITS)))
})

/** Checks a converted output folder shard by shard, independently of openCheckpoint, then with it. */
async function checkOutput(out: string, opts: { minShards: number; torchDtype?: string }) {
  const entries = (await readdir(out)).sort()
  const shards = entries.filter((e) => e.endsWith('.safetensors'))
  expect(shards.length).toBeGreaterThanOrEqual(opts.minShards)
  shards.forEach((s, i) => expect(s).toBe(`model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`))
  expect(entries).toContain(INDEX_FILE)
  expect(entries.filter((e) => e.startsWith('.'))).toEqual([]) // no marker, no hidden input files
  for (const [f, c] of Object.entries(SIDE_FILES)) {
    const got = await readFile(join(out, f), 'utf8')
    // A cast sets torch_dtype in config.json (and changes nothing else); other files are copied.
    if (f === 'config.json' && opts.torchDtype) expect(JSON.parse(got)).toEqual({ ...JSON.parse(c), torch_dtype: opts.torchDtype })
    else expect(got, f).toBe(c)
  }
  // Index: covers every tensor once, points at the shard that holds it, total_size = Σ tensor bytes.
  const index = await readJson(join(out, INDEX_FILE))
  const headers = await Promise.all(shards.map((s) => readSafetensorsHeader(join(out, s))))
  const where = new Map<string, string>()
  let total = 0
  for (const h of headers) {
    expect(h.metadata).toMatchObject({ format: 'pt' })
    for (const t of h.tensors) {
      expect(where.has(t.name), `${t.name} appears in two shards`).toBe(false)
      where.set(t.name, basename(h.file))
      total += t.end - t.begin
    }
  }
  expect(Object.keys(index.weight_map).sort()).toEqual([...where.keys()].sort())
  for (const [name, f] of Object.entries(index.weight_map)) expect(f, name).toBe(where.get(name))
  expect(index.metadata.total_size).toBe(total)
  // And the engine's own reader accepts it.
  const ck = await openCheckpoint({ dir: out })
  expect(ck.files.length).toBe(shards.length)
  expect(ck.totalBytes).toBe(total)
  return ck
}

describe.each([
  { runnerName: 'in-process', make: () => ({ runner: inProcessRunner() as TaskRunner, close: async () => {} }) },
  {
    runnerName: 'piscina pool',
    make: () => {
      const pool = createPoolRunner({ threads: 2 })
      return { runner: pool as TaskRunner, close: () => pool.close() }
    },
  },
])('copy-through with the $runnerName runner', ({ runnerName, make }) => {
  it('writes ≥ 3 shards and an index, every tensor byte-identical, inputs untouched', async () => {
    const before = await fingerprintTree(modelDir)
    const out = join(root, `out-keep-${runnerName.replace(/\W/g, '')}`)
    const plan = await planConvert({ base: modelDir, out, dtype: 'keep', maxShardBytes: 10_000_000 })
    expect(plan.output.shards.length).toBeGreaterThanOrEqual(3)
    expect(plan.tensors.every((t) => t.recipe.join() === 'copy')).toBe(true)
    const expectedTotal = tensors.reduce((a, t) => a + t.data.byteLength, 0)
    expect(plan.output.totalBytes).toBe(expectedTotal)
    const { runner, close } = make()
    let res
    try {
      res = await executePlan({ plan, runner })
    } finally {
      await close()
    }
    expect(res.outDir).toBe(out)
    expect(res.bytesWritten).toBe(expectedTotal)
    const ck = await checkOutput(out, { minShards: 3 })
    expect(ck.metadata).toMatchObject({ format: 'pt', source: 'graft-test' })
    expect([...ck.tensors.keys()].sort()).toEqual(tensors.map((t) => t.name).sort())
    const src = byName()
    for (const [name, ref] of ck.tensors) {
      const orig = src.get(name)!
      expect({ dtype: ref.dtype, shape: ref.shape }, name).toEqual({ dtype: orig.dtype, shape: orig.shape })
      const got = await readTensorBytes(ref)
      expect(Buffer.compare(got, Buffer.from(orig.data)), `${name} differs`).toBe(0)
    }
    expect(await tempFoldersFor(out)).toEqual([])
    expect(await fingerprintTree(modelDir)).toEqual(before)
  })
})

describe('casts', () => {
  it('F32 → BF16 (and F16 → BF16) round to nearest even, bit-exact against the reference; the rest copies', async () => {
    const out = join(root, 'out-bf16')
    const plan = await planConvert({ base: modelDir, out, dtype: 'BF16', maxShardBytes: 10_000_000 })
    const recipes = new Map(plan.tensors.map((t) => [t.name, t.recipe.join()]))
    expect(recipes.get('f32.big')).toBe('cast')
    expect(recipes.get('bf16.big')).toBe('copy')
    expect(recipes.get('u8.big')).toBe('copy')
    await executePlan({ plan, runner: inProcessRunner() })
    const ck = await checkOutput(out, { minShards: 2, torchDtype: 'bfloat16' })
    for (const orig of tensors) {
      const ref = ck.tensors.get(orig.name)!
      const got = new Uint8Array(await readTensorBytes(ref))
      expect(ref.shape).toEqual(orig.shape)
      if (orig.dtype === 'F32' || orig.dtype === 'F16') {
        expect(ref.dtype).toBe('BF16')
        const n = orig.shape.reduce((a, b) => a * b, 1)
        const o16 = new Uint16Array(got.buffer, got.byteOffset, n)
        const bad: string[] = []
        for (let i = 0; i < n && bad.length < 5; i++) {
          const srcBits = orig.dtype === 'F32' ? new DataView(orig.data.buffer, orig.data.byteOffset).getUint32(i * 4, true) : f32Bits(f16Value(new DataView(orig.data.buffer, orig.data.byteOffset).getUint16(i * 2, true)))
          const want = refF32ToBf16(srcBits)
          if (o16[i] !== want) bad.push(`${orig.name}[${i}]: 0x${srcBits.toString(16)} → 0x${o16[i].toString(16)}, want 0x${want.toString(16)}`)
        }
        expect(bad).toEqual([])
      } else {
        expect(ref.dtype).toBe(orig.dtype)
        expect(Buffer.compare(Buffer.from(got), Buffer.from(orig.data)), orig.name).toBe(0)
      }
    }
  })

  it('BF16 → F32 → BF16 is bit-exact (NaN payloads become the canonical 0x7FC0, as in PyTorch)', async () => {
    const out32 = join(root, 'out-f32')
    const out16 = join(root, 'out-f32-bf16')
    await executePlan({ plan: await planConvert({ base: modelDir, out: out32, dtype: 'F32', maxShardBytes: 16_000_000 }), runner: inProcessRunner() })
    const ck32 = await checkOutput(out32, { minShards: 2, torchDtype: 'float32' })
    // BF16 → F32 is exact (a shift), NaN payloads included; F16 → F32 exact, NaN stays NaN.
    for (const orig of tensors.filter((t) => t.dtype === 'BF16' || t.dtype === 'F16')) {
      const ref = ck32.tensors.get(orig.name)!
      expect(ref.dtype).toBe('F32')
      const got = new Uint8Array(await readTensorBytes(ref))
      const n = orig.shape.reduce((a, b) => a * b, 1)
      const w32 = new Uint32Array(got.buffer, got.byteOffset, n)
      const src = new Uint16Array(orig.data.buffer, orig.data.byteOffset, n)
      let bad = 0
      for (let i = 0; i < n; i++) {
        if (orig.dtype === 'BF16') {
          if (w32[i] !== ((src[i] << 16) >>> 0)) bad++
        } else {
          const v = f16Value(src[i])
          if (Number.isNaN(v) ? !isF32NaN(w32[i]) : w32[i] !== f32Bits(v)) bad++
        }
      }
      expect(bad, orig.name).toBe(0)
    }
    await executePlan({ plan: await planConvert({ base: out32, out: out16, dtype: 'BF16', maxShardBytes: 10_000_000 }), runner: inProcessRunner() })
    const ck16 = await openCheckpoint({ dir: out16 })
    for (const orig of tensors.filter((t) => t.dtype === 'BF16')) {
      const ref = ck16.tensors.get(orig.name)!
      expect(ref.dtype).toBe('BF16')
      const got = new Uint8Array(await readTensorBytes(ref))
      const n = orig.shape.reduce((a, b) => a * b, 1)
      const a = new Uint16Array(got.buffer, got.byteOffset, n)
      const b = new Uint16Array(orig.data.buffer, orig.data.byteOffset, n)
      let bad = 0
      let nans = 0
      for (let i = 0; i < n; i++) {
        if (isBf16NaN(b[i])) {
          nans++
          if (a[i] !== 0x7fc0) bad++
        } else if (a[i] !== b[i]) bad++
      }
      expect(bad, orig.name).toBe(0)
      if (orig.name === 'bf16.big') expect(nans).toBeGreaterThan(0) // random bits do include NaNs
    }
  })

  it('the f32 → bf16 reference agrees with hand-computed values', () => {
    expect(refF32ToBf16(0x3f808000)).toBe(0x3f80) // tie, even stays
    expect(refF32ToBf16(0x3f818000)).toBe(0x3f82) // tie, odd rounds up
    expect(refF32ToBf16(0x3f808001)).toBe(0x3f81)
    expect(refF32ToBf16(0x7f7fffff)).toBe(0x7f80) // max f32 → +Inf
    expect(refF32ToBf16(0x7f7f7fff)).toBe(0x7f7f)
    expect(refF32ToBf16(0x7f7f8000)).toBe(0x7f80) // tie above max bf16 → Inf (max is odd)
    expect(refF32ToBf16(0x00008000)).toBe(0x0000) // subnormal tie to even (0)
    expect(refF32ToBf16(0x00018000)).toBe(0x0002)
    expect(refF32ToBf16(0x80000000)).toBe(0x8000)
    expect(refF32ToBf16(0xffc00001)).toBe(0x7fc0)
  })
})

// ---------------------------------------------------------------------------------------------
// Sharded input: an index plus shards, read and cross-checked.
// ---------------------------------------------------------------------------------------------

describe('sharded input', () => {
  const rnd = prng(99)
  const T = (name: string, dtype: Dtype, shape: number[]): InMemoryTensor => ({ name, dtype, shape, data: randomBytes(rnd, Math.ceil((shape.reduce((a, b) => a * b, 1) * DTYPE_BITS[dtype]) / 8)) })
  const shardTensors: InMemoryTensor[][] = [
    [T('model.embed_tokens.weight', 'BF16', [64, 16]), T('model.layers.0.w', 'F32', [16, 16])],
    [T('model.layers.1.w', 'F16', [16, 16]), T('model.layers.1.ids', 'I64', [5])],
    [T('lm_head.weight', 'BF16', [64, 16]), T('model.norm.weight', 'F32', [16])],
  ]
  const shardName = (i: number) => `model-${String(i + 1).padStart(5, '0')}-of-00003.safetensors`

  async function makeSharded(dir: string, edit?: (weightMap: Record<string, string>, shards: InMemoryTensor[][]) => void) {
    await mkdir(dir, { recursive: true })
    const weightMap: Record<string, string> = {}
    shardTensors.forEach((ts, i) => ts.forEach((t) => (weightMap[t.name] = shardName(i))))
    const shards = shardTensors.map((ts) => [...ts])
    edit?.(weightMap, shards)
    for (const [i, ts] of shards.entries()) await writeSafetensorsFile({ path: join(dir, shardName(i)), tensors: ts })
    const total = shards.flat().reduce((a, t) => a + t.data.byteLength, 0)
    await writeFile(join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2))
    await writeFile(join(dir, 'config.json'), '{"model_type": "llama"}\n')
    return weightMap
  }

  it('reads every tensor from its shard, and a keep-dtype convert keeps the sharding and the bytes', async () => {
    const dir = join(root, 'sharded-in')
    const weightMap = await makeSharded(dir)
    const ck = await openCheckpoint({ dir })
    expect(ck.files.map((f) => basename(f))).toEqual([0, 1, 2].map(shardName))
    for (const t of shardTensors.flat()) {
      const ref = ck.tensors.get(t.name)!
      expect(basename(ref.file)).toBe(weightMap[t.name])
      expect(Buffer.compare(await readTensorBytes(ref), Buffer.from(t.data)), t.name).toBe(0)
    }
    const before = await fingerprintTree(dir)
    const out = join(root, 'sharded-out')
    await executePlan({ plan: await planConvert({ base: dir, out }), runner: inProcessRunner() })
    const index = await readJson(join(out, INDEX_FILE))
    expect(index.weight_map).toEqual(weightMap)
    expect(index.metadata.total_size).toBe(shardTensors.flat().reduce((a, t) => a + t.data.byteLength, 0))
    const outCk = await openCheckpoint({ dir: out })
    for (const t of shardTensors.flat()) expect(Buffer.compare(await readTensorBytes(outCk.tensors.get(t.name)!), Buffer.from(t.data)), t.name).toBe(0)
    expect(await fingerprintTree(dir)).toEqual(before)
  })

  it('index naming a missing shard → MISSING_SHARD, naming the shard', async () => {
    const dir = join(root, 'sharded-missing')
    await makeSharded(dir)
    await rm(join(dir, shardName(1)))
    const e = await rejection(openCheckpoint({ dir }))
    expect(e).toBeInstanceOf(GraftError)
    expect(e.code).toBe('MISSING_SHARD')
    expect(e.message).toContain(shardName(1))
    expect(e.file).toBe(join(dir, shardName(1)))
  })

  it('a tensor in two shards → BAD_INDEX, naming the tensor and both shards', async () => {
    const dir = join(root, 'sharded-dup')
    await makeSharded(dir, (_wm, shards) => shards[2].push(shardTensors[0][1]))
    const e = await rejection(openCheckpoint({ dir }))
    expect(e).toBeInstanceOf(GraftError)
    expect(e.code).toBe('BAD_INDEX')
    expect(e.tensor).toBe('model.layers.0.w')
    expect(e.message).toContain(shardName(0))
    expect(e.message).toContain(shardName(2))
  })

  it('an index entry that no shard holds → BAD_INDEX, naming the tensor', async () => {
    const dir = join(root, 'sharded-ghost')
    await makeSharded(dir, (wm) => (wm['model.layers.9.ghost'] = shardName(1)))
    const e = await rejection(openCheckpoint({ dir }))
    expect(e.code).toBe('BAD_INDEX')
    expect(e.tensor).toBe('model.layers.9.ghost')
    expect(e.message).toContain('model.layers.9.ghost')
  })

  it('a shard tensor the index omits, or places in another shard → BAD_INDEX', async () => {
    const dirA = join(root, 'sharded-unlisted')
    await makeSharded(dirA, (wm) => delete wm['model.norm.weight'])
    const a = await rejection(openCheckpoint({ dir: dirA }))
    expect([a.code, a.tensor]).toEqual(['BAD_INDEX', 'model.norm.weight'])
    const dirB = join(root, 'sharded-moved')
    await makeSharded(dirB, (wm) => (wm['model.norm.weight'] = shardName(0)))
    const b = await rejection(openCheckpoint({ dir: dirB }))
    expect([b.code, b.tensor]).toEqual(['BAD_INDEX', 'model.norm.weight'])
  })

  it('an index without a weight_map, or naming a shard outside the folder → BAD_INDEX', async () => {
    const dirA = join(root, 'sharded-nomap')
    await makeSharded(dirA)
    await writeFile(join(dirA, INDEX_FILE), '{"metadata": {}}')
    expect((await rejection(openCheckpoint({ dir: dirA }))).code).toBe('BAD_INDEX')
    const dirB = join(root, 'sharded-escape')
    await makeSharded(dirB, (wm) => (wm['model.norm.weight'] = '../model-00003-of-00003.safetensors'))
    expect((await rejection(openCheckpoint({ dir: dirB }))).code).toBe('BAD_INDEX')
  })

  it('a malformed shard is reported with its own code and path', async () => {
    const dir = join(root, 'sharded-bad-shard')
    await makeSharded(dir)
    const p = join(dir, shardName(2))
    const bytes = await readFile(p)
    await writeFile(p, bytes.subarray(0, bytes.length - 3))
    const e = await rejection(openCheckpoint({ dir }))
    expect(e.code).toBe('TRUNCATED_FILE')
    expect(e.message).toContain(p)
  })

  it('plain copy of a shard set keeps working when the index lists shards out of order', async () => {
    const dir = join(root, 'sharded-copy')
    await makeSharded(join(root, 'sharded-src'))
    await mkdir(dir)
    for (const f of await readdir(join(root, 'sharded-src'))) await copyFile(join(root, 'sharded-src', f), join(dir, f))
    const idx = await readJson(join(dir, INDEX_FILE))
    const reversed = Object.fromEntries(Object.entries(idx.weight_map).reverse())
    await writeFile(join(dir, INDEX_FILE), JSON.stringify({ ...idx, weight_map: reversed }))
    const ck = await openCheckpoint({ dir })
    expect(ck.tensors.size).toBe(shardTensors.flat().length)
    expect(await exists(join(dir, INDEX_FILE))).toBe(true)
  })
})
