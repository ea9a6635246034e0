import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Dtype } from '../../src/shared/dtypes'
import type { TensorRef } from '../../src/shared/plan'
import { rowRangeBytes } from '../../src/core/exec/scan-rows'
import { performTask } from '../../src/core/exec/perform-task'
import { controlViews, newControl } from '../../src/core/exec/worker-task'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { readModelInfo } from '../../src/core/model/read-model-info'
import { writeSafetensorsFile } from '../../src/core/safetensors/write-safetensors-file'
import { scanRanges, scanVocabRows } from '../../src/core/vocab/scan-vocab-rows'
import { randn, refRound, tempDir, writeModel, type T } from '../helpers/tiny-model'

/**
 * Real checkpoint layouts: synthetic folders with the tensor names and config fields of each
 * family (tiny sizes), run through every vocabulary operation.
 */

function t(dtype: Dtype, shape: number[], seed: number, scale = 0.5): T {
  return { dtype, shape, values: randn(shape.reduce((a, b) => a * b, 1), seed, scale).map((v) => refRound(dtype, v)) }
}

describe('F1: row scans count progress in whole bytes on real shapes', () => {
  // (rows, hidden) of real embeddings whose scan used to crash converting a fractional byte count to BigInt.
  const SHAPES: [string, number, number][] = [
    ['Llama-3.1-8B', 128256, 4096],
    ['Llama-3.2-1B', 128256, 2048],
    ['Gemma-2-9B', 256000, 3584],
    ['Gemma-3-4B', 262208, 2560],
    ['Phi-3-mini', 32064, 3072],
    ['LLaVA-1.5-7B', 32064, 4096],
    ['Qwen2.5-7B', 152064, 3584],
  ]
  it.each(SHAPES)('%s (%i x %i, bf16): every scan chunk is a whole number of bytes and they add up to the tensor', (_name, rows, hidden) => {
    const ref: TensorRef = { file: '/nonexistent', name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [rows, hidden], offset: 0, byteLength: rows * hidden * 2 }
    const ranges = scanRanges(ref.shape)
    expect(ranges.length).toBeGreaterThan(1)
    let total = 0n
    for (const [r0, r1] of ranges) {
      const n = rowRangeBytes(ref, r0, r1)
      expect(Number.isInteger(n), `rows ${r0}..${r1}`).toBe(true)
      total += BigInt(n)
    }
    expect(total).toBe(BigInt(ref.byteLength))
  })

  it('a row-scan task whose share of the tensor is not a round fraction runs and reports its exact bytes', async () => {
    // 10 x 9 bf16, rows 0..7: the old formula gave 180 * 0.7 = 125.99999999999999 bytes.
    const dir = await writeModel(join(await tempDir(), 'm'), { 'model.embed_tokens.weight': t('BF16', [10, 9], 1) }, { model_type: 'llama', vocab_size: 10, tie_word_embeddings: true })
    const info = await readModelInfo(dir)
    const ref = info.checkpoint.tensors.get('model.embed_tokens.weight')!
    const control = newControl()
    const res = performTask({ kind: 'rows', scan: { tensor: ref, rowStart: 0, rowEnd: 7 }, control })
    expect(res.kind).toBe('rows')
    expect(controlViews(control).bytes[0]).toBe(BigInt(7 * 9 * 2))
  })

  it('a scan over several chunks finds zero rows end to end (3649 x 1152 bf16, a shape that crashed)', async () => {
    const rows = 3649
    const hidden = 1152
    // Raw bf16 bits (a cheap pattern of small non-zero values), so a 8 MB tensor builds in milliseconds.
    const bits = new Uint16Array(rows * hidden)
    for (let i = 0; i < bits.length; i++) bits[i] = 0x3c00 + (i % 97) // 2^-7 · (1 + k/128)
    const zero = [5, 1500, 3648]
    for (const r of zero) bits.fill(0, r * hidden, (r + 1) * hidden)
    const dir = join(await tempDir(), 'big')
    await writeModel(dir, { 'model.norm.weight': t('BF16', [hidden], 3) }, { model_type: 'llama', vocab_size: rows, tie_word_embeddings: true })
    await writeSafetensorsFile({ path: join(dir, 'model.safetensors'), tensors: [{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [rows, hidden], data: new Uint8Array(bits.buffer) }] })
    const info = await readModelInfo(dir)
    expect(scanRanges([rows, hidden]).length).toBeGreaterThan(1)
    const scan = await scanVocabRows({ info, runner: inProcessRunner() })
    expect(scan.untrainedEmbed).toEqual(zero)
  })
})
