import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunkRows, CHUNK_F32_BYTES, copiedPrefixRows, COPY_CHUNK_BYTES, executePlan, workUnits } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { planConvert } from '../../src/core/plan/plan-convert'
import { openCheckpoint } from '../../src/core/safetensors/open-checkpoint'
import { writeSafetensorsFile, type InMemoryTensor } from '../../src/core/safetensors/write-safetensors-file'
import { DTYPE_BITS, type Dtype } from '../../src/shared/dtypes'
import type { TensorPlan } from '../../src/shared/plan'
import { makeTmp, prng, randomBytes, readTensorBytes } from './helpers'

let root: string
beforeAll(async () => {
  root = await makeTmp('exec-edges')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const plan = (dtype: Dtype, shape: number[]): TensorPlan => ({
  name: 't',
  dtype,
  shape,
  shard: 0,
  offset: 0,
  byteLength: Math.ceil((shape.reduce((a, b) => a * b, 1) * DTYPE_BITS[dtype]) / 8),
  recipe: ['copy'],
  source: null,
})

describe('workUnits: the old rows of a resized tensor are copied as bytes', () => {
  const resized = (extra: Partial<TensorPlan> = {}): TensorPlan => ({
    ...plan('BF16', [40_000, 1000]),
    source: { file: '/x', name: 'w', dtype: 'BF16', shape: [32_000, 1000], offset: 0, byteLength: 32_000 * 2000 },
    newRows: { from: 32_000, init: { stat: 0 } },
    ...extra,
  })

  it('covers the output once: byte ranges for rows below the source size, row chunks for the new rows', () => {
    const t = resized()
    expect(copiedPrefixRows(t)).toBe(32_000)
    const units = workUnits(t)
    const bytes = units.filter((u) => u.byteRange)
    const rows = units.filter((u) => !u.byteRange)
    let next = 0
    for (const u of bytes) {
      expect(u.start).toBe(next)
      expect(u.end - u.start).toBeLessThanOrEqual(COPY_CHUNK_BYTES)
      next = u.end
    }
    expect(next).toBe(32_000 * 2000)
    next = 32_000
    for (const u of rows) {
      expect(u.start).toBe(next)
      next = u.end
    }
    expect(next).toBe(40_000)
  })

  it('stops the copy at a replaced row, and never copies around LoRA, DoRA, bias terms or a dtype change', () => {
    expect(copiedPrefixRows(resized({ setRows: [{ rows: [7, 31_999], from: { stat: 1 } }] }))).toBe(7)
    expect(copiedPrefixRows(resized({ dtype: 'F16' }))).toBe(0)
    expect(copiedPrefixRows(resized({ lora: [{} as never] }))).toBe(0)
    expect(copiedPrefixRows(resized({ newRows: undefined }))).toBe(0)
    expect(workUnits(resized({ lora: [{} as never] })).every((u) => !u.byteRange)).toBe(true)
  })
})

describe('chunkRows', () => {
  it('cuts a big tensor into row ranges whose f32 working set fits the bound, covering every row once', () => {
    const t = plan('BF16', [10_000, 1000])
    const chunks = chunkRows(t)
    expect(chunks.length).toBeGreaterThan(1)
    let next = 0
    for (const [a, b] of chunks) {
      expect(a).toBe(next)
      expect((b - a) * 1000 * 4).toBeLessThanOrEqual(CHUNK_F32_BYTES)
      next = b
    }
    expect(next).toBe(10_000)
  })

  it('a tensor with rows but no bytes per row (shape [2^36, 0], valid safetensors) is one empty chunk, not 16 384', () => {
    // The reader accepts any dims when one of them is 0 (the reference reader does too); with
    // shape [2^50, 0] the current loop would try to build 2^28 chunk tasks.
    expect(chunkRows(plan('F32', [2 ** 36, 0]))).toHaveLength(1)
  })
})

describe('copy-through of unusual tensors', () => {
  it('copies sub-byte tensors (odd row lengths, several chunks) byte for byte', async () => {
    const rnd = prng(5)
    const dir = join(root, 'subbyte')
    await mkdir(dir)
    const tensors: InMemoryTensor[] = [
      // Odd row length (1.5 bytes a row) and more than 32 MiB: any split by rows or by size lands mid-byte unless aligned.
      { name: 'f4', dtype: 'F4', shape: [22_369_622, 3], data: randomBytes(rnd, 33_554_433) },
      { name: 'f6', dtype: 'F6_E3M2', shape: [700_000, 4], data: randomBytes(rnd, 2_100_000) },
    ]
    await writeSafetensorsFile({ path: join(dir, 'model.safetensors'), tensors })
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'config.json'), '{}'))
    const out = join(root, 'subbyte-out')
    await executePlan({ plan: await planConvert({ base: dir, out }), runner: inProcessRunner() })
    const ck = await openCheckpoint({ dir: out })
    for (const t of tensors) expect(Buffer.compare(await readTensorBytes(ck.tensors.get(t.name)!), Buffer.from(t.data)), t.name).toBe(0)
  })

  it('copies zero-element tensors with large leading dims, scalars and empty tensors', async () => {
    const dir = join(root, 'empties')
    await mkdir(dir)
    const tensors: InMemoryTensor[] = [
      { name: 'wide-empty', dtype: 'BF16', shape: [2 ** 33, 0], data: new Uint8Array(0) },
      { name: 'empty', dtype: 'F32', shape: [0], data: new Uint8Array(0) },
      { name: 'scalar', dtype: 'I64', shape: [], data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) },
    ]
    await writeSafetensorsFile({ path: join(dir, 'model.safetensors'), tensors })
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'config.json'), '{}'))
    const out = join(root, 'empties-out')
    await executePlan({ plan: await planConvert({ base: dir, out }), runner: inProcessRunner() })
    const ck = await openCheckpoint({ dir: out })
    expect(ck.tensors.get('wide-empty')!.shape).toEqual([2 ** 33, 0])
    expect([...(await readTensorBytes(ck.tensors.get('scalar')!))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })
})
