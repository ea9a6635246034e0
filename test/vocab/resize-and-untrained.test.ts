import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { planResize, targetRows } from '../../src/core/vocab/plan-resize'
import { planUntrainedFix } from '../../src/core/vocab/plan-untrained-fix'
import { scanVocabRows } from '../../src/core/vocab/scan-vocab-rows'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { readModelInfo } from '../../src/core/model/read-model-info'
import type { Dtype } from '../../src/shared/dtypes'
import { randn, readConfig, readModel, readTensorsFile, refRound, tempDir, ulpDiff, writeModel, type T } from '../helpers/tiny-model'

const V = 10
const H = 6
const GOLDEN = join(__dirname, '../fixtures/golden/cases')

function t(dtype: Dtype, shape: number[], seed: number): T {
  return { dtype, shape, values: randn(shape.reduce((a, b) => a * b, 1), seed, 0.5).map((v) => refRound(dtype, v)) }
}

function rowsOf(x: T, from: number, to: number): number[][] {
  const w = x.shape[1]
  return Array.from({ length: to - from }, (_, i) => x.values.slice((from + i) * w, (from + i + 1) * w))
}

/** Column mean in float64 over the given rows. */
function mean(rows: number[][]): number[] {
  return rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length)
}

async function model(opts: { tied?: boolean; dtype?: Dtype; zeroRows?: number[]; llava?: boolean } = {}) {
  const dtype = opts.dtype ?? 'BF16'
  const E = t(dtype, [V, H], 1)
  for (const r of opts.zeroRows ?? []) E.values.fill(0, r * H, (r + 1) * H)
  const L = t(dtype, [V, H], 2)
  const pre = opts.llava ? 'model.language_model.' : 'model.'
  const tensors: Record<string, T> = { [`${pre}embed_tokens.weight`]: E, [`${pre}layers.0.self_attn.q_proj.weight`]: t(dtype, [H, H], 3) }
  if (!opts.tied) tensors[opts.llava ? 'lm_head.weight' : 'lm_head.weight'] = L
  const cfg = opts.llava
    ? { model_type: 'llava', text_config: { vocab_size: V, model_type: 'llama', tie_word_embeddings: false } }
    : { model_type: 'llama', vocab_size: V, tie_word_embeddings: !!opts.tied, rope_theta: 10000.0 }
  const dir = await writeModel(join(await tempDir(), 'base'), tensors, cfg)
  return { dir, E, L, pre }
}

async function run(plan: Awaited<ReturnType<typeof planResize>>) {
  await executePlan({ plan, runner: inProcessRunner() })
  return { tensors: await readModel(plan.output.dir), config: await readConfig(plan.output.dir) }
}

function expectRowsEqual(dtype: Dtype, got: number[], want: number[]) {
  expect(got.length).toBe(want.length)
  for (let j = 0; j < got.length; j++) expect(ulpDiff(dtype, got[j], refRound(dtype, want[j])), `col ${j}`).toBeLessThanOrEqual(1)
}

describe('resize embeddings without loading the model', () => {
  it('target size and pad_to_multiple_of follow transformers', () => {
    expect(targetRows(320, 310, 64)).toBe(320)
    expect(targetRows(320, undefined, 100)).toBe(400)
    expect(targetRows(320, 325, undefined)).toBe(325)
  })

  it('mean init: old rows bit for bit, new rows = mean of that tensor, the untied head with its own mean', async () => {
    const { dir, E, L } = await model()
    const plan = await planResize({ base: dir, out: join(await tempDir(), 'out'), newSize: V + 3, init: { kind: 'mean' } })
    const { tensors, config } = await run(plan)
    const e = tensors.get('model.embed_tokens.weight')!
    const l = tensors.get('lm_head.weight')!
    expect(e.shape).toEqual([V + 3, H])
    expect(e.values.slice(0, V * H)).toEqual(E.values)
    expect(l.values.slice(0, V * H)).toEqual(L.values)
    for (const r of rowsOf(e, V, V + 3)) expectRowsEqual('BF16', r, mean(rowsOf(E, 0, V)))
    for (const r of rowsOf(l, V, V + 3)) expectRowsEqual('BF16', r, mean(rowsOf(L, 0, V)))
    expect(config.vocab_size).toBe(V + 3)
    expect(config.rope_theta).toBe(10000)
    expect(tensors.get('model.layers.0.self_attn.q_proj.weight')!.values).toBeDefined()
    expect(plan.tensors.find((x) => x.name === 'model.layers.0.self_attn.q_proj.weight')!.recipe).toEqual(['copy'])
  })

  it('trained-mean skips all-zero rows; tied models stay tied (no lm_head written)', async () => {
    const { dir, E } = await model({ tied: true, zeroRows: [2, 5] })
    const plan = await planResize({ base: dir, out: join(await tempDir(), 'out'), newSize: V + 2, init: { kind: 'trained-mean' } })
    const { tensors, config } = await run(plan)
    expect(tensors.has('lm_head.weight')).toBe(false)
    expect(config.tie_word_embeddings).toBe(true)
    const trained = rowsOf(E, 0, V).filter((_, i) => i !== 2 && i !== 5)
    for (const r of rowsOf(tensors.get('model.embed_tokens.weight')!, V, V + 2)) expectRowsEqual('BF16', r, mean(trained))
  })

  it('copy-row, subtoken-mean, zeros (with a warning) and seeded noise', async () => {
    const { dir, E } = await model({ dtype: 'F32' })
    const out = async () => join(await tempDir(), 'out')
    const copy = await run(await planResize({ base: dir, out: await out(), newSize: V + 1, init: { kind: 'copy-row', row: 4 } }))
    expect(rowsOf(copy.tensors.get('model.embed_tokens.weight')!, V, V + 1)[0]).toEqual(rowsOf(E, 4, 5)[0])
    const sub = await run(await planResize({ base: dir, out: await out(), newSize: V + 2, init: { kind: 'subtoken-mean', pieces: [[1, 3], [7]] } }))
    const subRows = rowsOf(sub.tensors.get('model.embed_tokens.weight')!, V, V + 2)
    expectRowsEqual('F32', subRows[0], mean([rowsOf(E, 1, 2)[0], rowsOf(E, 3, 4)[0]]))
    expect(subRows[1]).toEqual(rowsOf(E, 7, 8)[0])
    const zplan = await planResize({ base: dir, out: await out(), newSize: V + 1, init: { kind: 'zeros' } })
    expect(zplan.warnings.map((w) => w.code)).toContain('ZERO_INIT')
    const z = await run(zplan)
    expect(rowsOf(z.tensors.get('model.embed_tokens.weight')!, V, V + 1)[0]).toEqual(new Array(H).fill(0))
    const n1 = await run(await planResize({ base: dir, out: await out(), newSize: V + 2, init: { kind: 'mean-noise', seed: 7, std: 1e-3 } }))
    const n2 = await run(await planResize({ base: dir, out: await out(), newSize: V + 2, init: { kind: 'mean-noise', seed: 7, std: 1e-3 } }))
    const nr = rowsOf(n1.tensors.get('model.embed_tokens.weight')!, V, V + 2)
    expect(nr).toEqual(rowsOf(n2.tensors.get('model.embed_tokens.weight')!, V, V + 2))
    const mu = mean(rowsOf(E, 0, V))
    for (const r of nr) r.forEach((x, j) => expect(Math.abs(x - mu[j])).toBeLessThan(6e-3))
    expect(nr[0]).not.toEqual(nr[1])
  })

  it('refuses to shrink unless asked; truncates when asked', async () => {
    const { dir, E } = await model()
    await expect(planResize({ base: dir, out: join(await tempDir(), 'o'), newSize: V - 2, init: { kind: 'mean' } })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    const { tensors, config } = await run(await planResize({ base: dir, out: join(await tempDir(), 'o'), newSize: V - 2, init: { kind: 'mean' }, allowShrink: true }))
    expect(tensors.get('model.embed_tokens.weight')!.values).toEqual(E.values.slice(0, (V - 2) * H))
    expect(config.vocab_size).toBe(V - 2)
  })

  it('multimodal (LLaVA v5 layout): nested embedding found, text_config.vocab_size updated', async () => {
    const { dir } = await model({ llava: true })
    const { tensors, config } = await run(await planResize({ base: dir, out: join(await tempDir(), 'o'), newSize: V + 2, init: { kind: 'mean' } }))
    expect(tensors.get('model.language_model.embed_tokens.weight')!.shape).toEqual([V + 2, H])
    expect(tensors.get('lm_head.weight')!.shape).toEqual([V + 2, H])
    expect((config.text_config as Record<string, unknown>).vocab_size).toBe(V + 2)
  })

  it('agrees with transformers resize_token_embeddings (golden): new rows sit at the old mean within bf16 rounding', async () => {
    const dir = join(GOLDEN, 'resize_reference')
    const ref = await readTensorsFile(dir, 'reference.safetensors')
    const { tensors, config } = await run(await planResize({ base: join(dir, 'base'), out: join(await tempDir(), 'o'), newSize: 325, init: { kind: 'mean' } }))
    expect(config.vocab_size).toBe(325)
    for (const [name, meanKey, rowsKey] of [['model.embed_tokens.weight', 'old_mean_embed', 'new_rows_embed'], ['lm_head.weight', 'old_mean_head', 'new_rows_head']] as const) {
      const ours = rowsOf(tensors.get(name)!, 320, 325)
      const hfMean = ref.get(meanKey)!.values
      const hfRows = rowsOf(ref.get(rowsKey)!, 0, 5)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < hfMean.length; j++) {
          expect(ulpDiff('BF16', ours[i][j], refRound('BF16', hfMean[j]))).toBeLessThanOrEqual(1)
          // transformers adds noise of about 3e-5·σ (mean_resizing's 1e-9·covariance); bf16 mostly rounds it away.
          expect(Math.abs(ours[i][j] - hfRows[i][j]) < 5e-5 || ulpDiff('BF16', ours[i][j], hfRows[i][j]) <= 1).toBe(true)
        }
    }
  })
})

describe('untrained rows', () => {
  it('scan finds exactly the planted rows of the golden model (embed and head) and the fix uses the trained mean', async () => {
    const dir = join(GOLDEN, 'untrained_rows')
    const ref = await readTensorsFile(dir, 'reference.safetensors')
    const info = await readModelInfo(join(dir, 'base'))
    const scan = await scanVocabRows({ info, runner: inProcessRunner() })
    expect(scan.untrainedEmbed).toEqual(ref.get('untrained_indices_embed')!.values)
    expect(scan.untrainedHead).toEqual(ref.get('untrained_indices_head')!.values)
    expect(scan.untrained).toEqual([10, 201, 319])
    expect(scan.embed!.norms.length).toBe(320)
    const plan = await planUntrainedFix({ base: join(dir, 'base'), out: join(await tempDir(), 'fixed'), embedRows: scan.untrainedEmbed, headRows: scan.untrainedHead })
    await executePlan({ plan, runner: inProcessRunner() })
    const fixed = await readModel(plan.output.dir)
    const mE = ref.get('trained_mean_embed')!.values
    const e = fixed.get('model.embed_tokens.weight')!
    for (const r of scan.untrainedEmbed) expectRowsEqual('BF16', rowsOf(e, r, r + 1)[0], mE)
    const rescan = await scanVocabRows({ info: await readModelInfo(plan.output.dir), runner: inProcessRunner() })
    expect(rescan.untrained).toEqual([])
  })
})
