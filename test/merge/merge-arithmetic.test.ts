import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { planMerge } from '../../src/core/lora/plan-merge'
import { executePlan } from '../../src/core/exec/execute-plan'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { matchPattern } from '../../src/core/lora/read-adapter'
import type { Dtype } from '../../src/shared/dtypes'
import { matmul, randn, readConfig, readModel, refRound, tempDir, transpose, ulpDiff, writeAdapter, writeModel, type T } from '../helpers/tiny-model'

/**
 * Every layer type checked against an independent float64 computation of PEFT's formulas
 * (peft-merge-spec.md §3), not against the engine's own kernels. Tolerance: at most 1 ulp of the
 * output dtype, on a small share of elements (accumulation order differs: f64 here, f32 there).
 */

const V = 12 // vocab
const H = 8 // hidden
const R = 2

function llamaConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: V, hidden_size: H, tie_word_embeddings: false, torch_dtype: 'bfloat16', ...extra }
}

function t(dtype: Dtype, shape: number[], seed: number, scale = 0.5): T {
  return { dtype, shape, values: randn(shape.reduce((a, b) => a * b, 1), seed, scale).map((v) => refRound(dtype, v)) }
}

function baseTensors(dtype: Dtype, tied = false): Record<string, T> {
  const out: Record<string, T> = {
    'model.embed_tokens.weight': t(dtype, [V, H], 1),
    'model.layers.0.self_attn.q_proj.weight': t(dtype, [H, H], 2),
    'model.layers.0.self_attn.v_proj.weight': t(dtype, [4, H], 3),
    'model.layers.0.mlp.down_proj.weight': t(dtype, [H, 6], 4),
    'model.norm.weight': t(dtype, [H], 5),
  }
  if (!tied) out['lm_head.weight'] = t(dtype, [V, H], 6)
  return out
}

async function merge(base: string, adapters: { dir: string; weight?: number }[], opts: { dtype?: Dtype | 'keep' } = {}) {
  const out = join(await tempDir(), 'merged')
  const plan = await planMerge({ base, adapters, out, dtype: opts.dtype })
  await executePlan({ plan, runner: inProcessRunner() })
  return { out, plan, tensors: await readModel(out), config: await readConfig(out) }
}

/** Compares output to reference values: ≤1 ulp everywhere, and exact on ≥ `exactShare` of elements. */
function expectClose(dtype: Dtype, got: number[], want: number[], exactShare = 0.9) {
  expect(got.length).toBe(want.length)
  let exact = 0
  for (let i = 0; i < got.length; i++) {
    if (dtype === 'F32') {
      // fp32 is exact up to summation order (f64 here, sequential f32 in the engine).
      expect(Math.abs(got[i] - want[i]), `element ${i}: got ${got[i]} want ${want[i]}`).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(want[i])))
      exact++
      continue
    }
    const d = ulpDiff(dtype, got[i], want[i])
    expect(d, `element ${i}: got ${got[i]} want ${want[i]}`).toBeLessThanOrEqual(1)
    if (d === 0) exact++
  }
  expect(exact / got.length).toBeGreaterThanOrEqual(exactShare)
}

/** W' = round(W + s·B·A) (Linear: one rounding, f32 add). */
function refLinear(dtype: Dtype, W: number[], A: number[], B: number[], out: number, inn: number, r: number, s: number): number[] {
  const P = matmul(B, A, out, r, inn)
  return W.map((w, i) => refRound(dtype, Math.fround(w + Math.fround(Math.fround(P[i]) * Math.fround(s)))))
}

describe('LoRA merge arithmetic against an independent reference', () => {
  for (const dtype of ['BF16', 'F16', 'F32'] as Dtype[]) {
    it(`Linear LoRA, ${dtype}: W + (α/r)·B·A, one rounding`, async () => {
      const dir = await tempDir()
      const bt = baseTensors(dtype)
      const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
      const A = t('F32', [R, H], 10, 0.3)
      const B = t('F32', [H, R], 11, 0.3)
      const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': A, 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': B }, { r: R, lora_alpha: 3 })
      const { tensors, plan } = await merge(base, [{ dir: ad }])
      const q = tensors.get('model.layers.0.self_attn.q_proj.weight')!
      expectClose(dtype, q.values, refLinear(dtype, bt['model.layers.0.self_attn.q_proj.weight'].values, A.values, B.values, H, H, R, 3 / R), dtype === 'F32' ? 0.5 : 0.9)
      // Untouched tensors are byte-identical.
      for (const name of ['model.embed_tokens.weight', 'model.layers.0.mlp.down_proj.weight', 'model.norm.weight', 'lm_head.weight']) expect(tensors.get(name)!.values).toEqual(bt[name].values)
      expect(plan.tensors.find((x) => x.name === 'model.layers.0.self_attn.q_proj.weight')!.recipe).toEqual(['lora'])
      expect(plan.tensors.find((x) => x.name === 'model.norm.weight')!.recipe).toEqual(['copy'])
    })
  }

  it('rsLoRA uses α/√r; rank_pattern and alpha_pattern follow PEFT’s first-match rule', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const A1 = t('F32', [4, H], 20, 0.3)
    const B1 = t('F32', [H, 4], 21, 0.3)
    const A2 = t('F32', [R, H], 22, 0.3)
    const B2 = t('F32', [4, R], 23, 0.3)
    const ad = await writeAdapter(
      join(dir, 'ad'),
      {
        'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': A1,
        'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': B1,
        'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight': A2,
        'base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight': B2,
      },
      { r: R, lora_alpha: 8, use_rslora: true, rank_pattern: { 'layers\\.0\\.self_attn\\.q_proj': 4 }, alpha_pattern: { v_proj: 32, 'q_proj': 2 } },
    )
    const { tensors } = await merge(base, [{ dir: ad }])
    expectClose('BF16', tensors.get('model.layers.0.self_attn.q_proj.weight')!.values, refLinear('BF16', bt['model.layers.0.self_attn.q_proj.weight'].values, A1.values, B1.values, H, H, 4, 2 / Math.sqrt(4)))
    expectClose('BF16', tensors.get('model.layers.0.self_attn.v_proj.weight')!.values, refLinear('BF16', bt['model.layers.0.self_attn.v_proj.weight'].values, A2.values, B2.values, 4, H, R, 32 / Math.sqrt(R)))
  })

  it('pattern matching: suffix after a dot or the whole path, regex, anchored at the end, first key wins', () => {
    expect(matchPattern({ v_proj: 1 }, 'model.layers.1.self_attn.v_proj')).toBe(1)
    expect(matchPattern({ v_proj: 1 }, 'model.layers.1.self_attn.xv_proj')).toBeUndefined()
    expect(matchPattern({ 'layers\\.1\\..*v_proj': 2 }, 'model.layers.1.self_attn.v_proj')).toBe(2)
    expect(matchPattern({ 'layers\\.1\\..*v_proj': 2 }, 'model.layers.11.self_attn.v_proj')).toBeUndefined()
    expect(matchPattern({ '^model.layers.0.self_attn.q_proj': 3 }, 'model.layers.0.self_attn.q_proj')).toBe(3)
    expect(matchPattern({ q_proj: 4, 'self_attn.q_proj': 5 }, 'model.layers.0.self_attn.q_proj')).toBe(4)
    expect(matchPattern({ proj: 6 }, 'model.layers.0.self_attn.q_proj')).toBeUndefined()
  })

  it('GPT-2 Conv1D (weights stored in×out): the delta is transposed (fan_in_fan_out)', async () => {
    const dir = await tempDir()
    const W = t('F32', [H, 3 * H], 30)
    const base = await writeModel(join(dir, 'base'), { 'transformer.h.0.attn.c_attn.weight': W, 'transformer.wte.weight': t('F32', [V, H], 31) }, { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: V, tie_word_embeddings: true })
    const A = t('F32', [R, H], 32, 0.3)
    const B = t('F32', [3 * H, R], 33, 0.3)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight': A, 'base_model.model.transformer.h.0.attn.c_attn.lora_B.weight': B }, { r: R, lora_alpha: 2, fan_in_fan_out: true })
    const { tensors, config } = await merge(base, [{ dir: ad }])
    const P = transpose(matmul(B.values, A.values, 3 * H, R, H), 3 * H, H) // (in, out)
    const want = W.values.map((w, i) => Math.fround(w + Math.fround(Math.fround(P[i]) * 1)))
    expectClose('F32', tensors.get('transformer.h.0.attn.c_attn.weight')!.values, want, 0.5)
    expect(config.tie_word_embeddings).toBe(true)
    expect(tensors.has('lm_head.weight')).toBe(false)
  })

  it('Embedding LoRA: Δ = (B·A)ᵀ·s rounded to the dtype before the add (two roundings)', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const A = t('F32', [R, V], 40, 0.3) // lora_embedding_A (r, vocab)
    const B = t('F32', [H, R], 41, 0.3) // lora_embedding_B (dim, r)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.lora_embedding_A': A, 'base_model.model.model.embed_tokens.lora_embedding_B': B }, { r: R, lora_alpha: 4 })
    const { tensors } = await merge(base, [{ dir: ad }])
    const P = transpose(matmul(B.values, A.values, H, R, V), H, V) // (vocab, dim)
    const W = bt['model.embed_tokens.weight'].values
    const want = W.map((w, i) => refRound('BF16', Math.fround(w + refRound('BF16', Math.fround(Math.fround(P[i]) * 2)))))
    expectClose('BF16', tensors.get('model.embed_tokens.weight')!.values, want)
  })

  it('DoRA (Linear): W′ = m / ‖W + ΔW‖_row · (W + ΔW), one rounding', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const A = t('F32', [R, 6], 50, 0.3)
    const B = t('F32', [H, R], 51, 0.3)
    const m = { dtype: 'F32' as Dtype, shape: [H], values: randn(H, 52, 1).map((x) => Math.fround(Math.abs(x) + 0.5)) }
    const ad = await writeAdapter(
      join(dir, 'ad'),
      { 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': A, 'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight': B, 'base_model.model.model.layers.0.mlp.down_proj.lora_magnitude_vector': m },
      { r: R, lora_alpha: 4, use_dora: true },
    )
    const { tensors } = await merge(base, [{ dir: ad }])
    const W = bt['model.layers.0.mlp.down_proj.weight'].values
    const P = matmul(B.values, A.values, H, R, 6)
    const Wf = W.map((w, i) => w + P[i] * 2)
    const want: number[] = []
    for (let o = 0; o < H; o++) {
      const row = Wf.slice(o * 6, o * 6 + 6)
      const n = Math.sqrt(row.reduce((a, x) => a + x * x, 0))
      for (const x of row) want.push(refRound('BF16', (m.values[o] / n) * x))
    }
    expectClose('BF16', tensors.get('model.layers.0.mlp.down_proj.weight')!.values, want, 0.8)
  })

  it('lora_B.bias merges into the base bias; bias="all" tensors replace base biases first', async () => {
    const dir = await tempDir()
    const bt = { ...baseTensors('F32'), 'model.layers.0.self_attn.q_proj.bias': t('F32', [H], 60) }
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const A = t('F32', [R, H], 61, 0.3)
    const B = t('F32', [H, R], 62, 0.3)
    const lb = t('F32', [H], 63, 0.3)
    const newBias = t('F32', [H], 64)
    const ad = await writeAdapter(
      join(dir, 'ad'),
      {
        'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': A,
        'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': B,
        'base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias': lb,
        'base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias': newBias,
      },
      { r: R, lora_alpha: 2, lora_bias: true, bias: 'all' },
    )
    const { tensors } = await merge(base, [{ dir: ad }])
    const want = newBias.values.map((b, i) => Math.fround(b + Math.fround(lb.values[i] * 1)))
    expect(tensors.get('model.layers.0.self_attn.q_proj.bias')!.values).toEqual(want)
  })

  it('two adapters with weights: each weighted delta added in order, rounding after each (as PEFT with both active)', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const key = 'base_model.model.model.layers.0.self_attn.q_proj'
    const A1 = t('F32', [R, H], 70, 0.3), B1 = t('F32', [H, R], 71, 0.3)
    const A2 = t('F32', [R, H], 72, 0.3), B2 = t('F32', [H, R], 73, 0.3)
    const a1 = await writeAdapter(join(dir, 'a1'), { [`${key}.lora_A.weight`]: A1, [`${key}.lora_B.weight`]: B1 }, { r: R, lora_alpha: 2 })
    const a2 = await writeAdapter(join(dir, 'a2'), { [`${key}.lora_A.weight`]: A2, [`${key}.lora_B.weight`]: B2 }, { r: R, lora_alpha: 4 })
    const { tensors, plan } = await merge(base, [{ dir: a1, weight: 0.7 }, { dir: a2, weight: 0.3 }])
    const step1 = refLinear('BF16', bt['model.layers.0.self_attn.q_proj.weight'].values, A1.values, B1.values, H, H, R, 0.7 * (2 / R))
    const step2 = refLinear('BF16', step1, A2.values, B2.values, H, H, R, 0.3 * (4 / R))
    expectClose('BF16', tensors.get('model.layers.0.self_attn.q_proj.weight')!.values, step2, 0.8)
    expect(plan.inputs.map((i) => i.weight)).toEqual([undefined, 0.7, 0.3])
  })

  it('trainable tokens: listed rows are replaced by the saved rows, cast to the dtype', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const delta = t('F32', [2, H], 80)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta': delta }, { trainable_token_indices: [7, 3] })
    const { tensors, plan } = await merge(base, [{ dir: ad }])
    const got = tensors.get('model.embed_tokens.weight')!.values
    const W = bt['model.embed_tokens.weight'].values
    for (let row = 0; row < V; row++) {
      const want = row === 7 ? delta.values.slice(0, H) : row === 3 ? delta.values.slice(H) : W.slice(row * H, row * H + H)
      expect(got.slice(row * H, row * H + H)).toEqual(want.map((x) => refRound('BF16', x)))
    }
    expect(plan.tensors.find((x) => x.name === 'model.embed_tokens.weight')!.recipe).toEqual(['set-rows'])
  })

  it('dtype choice: --dtype F32 widens every float tensor exactly and records it in config', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const A = t('F32', [R, H], 90, 0.3), B = t('F32', [H, R], 91, 0.3)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': A, 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': B }, {})
    const { tensors, config } = await merge(base, [{ dir: ad }], { dtype: 'F32' })
    expect(tensors.get('model.norm.weight')!.dtype).toBe('F32')
    expect(tensors.get('model.norm.weight')!.values).toEqual(bt['model.norm.weight'].values)
    expect(config.torch_dtype).toBe('float32')
  })
})

describe('modules_to_save, vocabulary growth and tied embeddings', () => {
  it('modules_to_save with a larger vocabulary resizes the base in the same pass and updates vocab_size', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const E = t('F32', [V + 3, H], 100)
    const L = t('F32', [V + 3, H], 101)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.weight': E, 'base_model.model.lm_head.weight': L }, { modules_to_save: ['embed_tokens', 'lm_head'] })
    const { tensors, config, plan } = await merge(base, [{ dir: ad }])
    expect(tensors.get('model.embed_tokens.weight')!.shape).toEqual([V + 3, H])
    expect(tensors.get('model.embed_tokens.weight')!.values).toEqual(E.values.map((x) => refRound('BF16', x)))
    expect(tensors.get('lm_head.weight')!.values).toEqual(L.values.map((x) => refRound('BF16', x)))
    expect(config.vocab_size).toBe(V + 3)
    expect(plan.decisions.map((d) => d.code)).toContain('VOCAB_RESIZED')
    expect(plan.tensors.find((x) => x.name === 'lm_head.weight')!.recipe).toEqual(['replace'])
  })

  it('refuses a vocabulary grown in the embedding only: the head’s new rows were never saved', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), baseTensors('BF16'), llamaConfig())
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.weight': t('F32', [V + 2, H], 110) }, { modules_to_save: ['embed_tokens'] })
    await expect(planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' })
  })

  it('tied base + LoRA on embed_tokens only: unties, lm_head keeps the original weights', async () => {
    const dir = await tempDir()
    const bt = baseTensors('F32', true)
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig({ tie_word_embeddings: true }))
    const A = t('F32', [R, V], 120, 0.3), B = t('F32', [H, R], 121, 0.3)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.lora_embedding_A': A, 'base_model.model.model.embed_tokens.lora_embedding_B': B }, {})
    const { tensors, config, plan } = await merge(base, [{ dir: ad }])
    expect(config.tie_word_embeddings).toBe(false)
    expect(tensors.get('lm_head.weight')!.values).toEqual(bt['model.embed_tokens.weight'].values)
    expect(tensors.get('model.embed_tokens.weight')!.values).not.toEqual(bt['model.embed_tokens.weight'].values)
    expect(plan.decisions.map((d) => d.code)).toContain('UNTIED')
  })

  it('tied base + modules_to_save lm_head: the trained head is written and the model untied', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16', true)
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig({ tie_word_embeddings: true }))
    const L = t('F32', [V, H], 130)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.lm_head.weight': L }, { modules_to_save: ['lm_head'] })
    const { tensors, config } = await merge(base, [{ dir: ad }])
    expect(config.tie_word_embeddings).toBe(false)
    expect(tensors.get('lm_head.weight')!.values).toEqual(L.values.map((x) => refRound('BF16', x)))
    expect(tensors.get('model.embed_tokens.weight')!.values).toEqual(bt['model.embed_tokens.weight'].values)
  })

  it('tied base + ensure_weight_tying: stays tied, no lm_head written, the delta added once', async () => {
    const dir = await tempDir()
    const bt = baseTensors('F32', true)
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig({ tie_word_embeddings: true }))
    const E = t('F32', [V, H], 140)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.weight': E, 'base_model.model.lm_head.weight': E }, { modules_to_save: ['model.embed_tokens'], ensure_weight_tying: true })
    const { tensors, config, plan } = await merge(base, [{ dir: ad }])
    expect(config.tie_word_embeddings).toBe(true)
    expect(tensors.has('lm_head.weight')).toBe(false)
    expect(tensors.get('model.embed_tokens.weight')!.values).toEqual(E.values)
    expect(plan.decisions.map((d) => d.code)).toContain('TIED_KEPT')
  })

  it('tied base + LoRA elsewhere only: stays tied and untouched', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), baseTensors('BF16', true), llamaConfig({ tie_word_embeddings: true }))
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': t('F32', [R, H], 150), 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': t('F32', [H, R], 151) }, {})
    const { tensors, config } = await merge(base, [{ dir: ad }])
    expect(config.tie_word_embeddings).toBe(true)
    expect(tensors.has('lm_head.weight')).toBe(false)
  })

  it('LLaVA: adapter keys in the v5 layout (model.language_model.*) map onto a v4 checkpoint (language_model.model.*)', async () => {
    const dir = await tempDir()
    const q = t('BF16', [H, H], 160)
    const base = await writeModel(
      join(dir, 'base'),
      {
        'language_model.model.embed_tokens.weight': t('BF16', [V, H], 161),
        'language_model.model.layers.0.self_attn.q_proj.weight': q,
        'language_model.lm_head.weight': t('BF16', [V, H], 162),
        'vision_tower.vision_model.embeddings.patch_embedding.weight': t('BF16', [4, 3], 163),
        'multi_modal_projector.linear_1.weight': t('BF16', [H, 4], 164),
      },
      { model_type: 'llava', architectures: ['LlavaForConditionalGeneration'], text_config: { model_type: 'llama', vocab_size: V, hidden_size: H }, vision_config: { model_type: 'clip_vision_model' } },
    )
    const A = t('F32', [R, H], 165, 0.3), B = t('F32', [H, R], 166, 0.3)
    const E = t('F32', [V + 2, H], 167), L = t('F32', [V + 2, H], 168)
    const ad = await writeAdapter(
      join(dir, 'ad'),
      {
        'base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight': A,
        'base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_B.weight': B,
        'base_model.model.model.language_model.embed_tokens.weight': E,
        'base_model.model.lm_head.weight': L,
      },
      { modules_to_save: ['embed_tokens', 'lm_head'], r: R, lora_alpha: 2 },
    )
    const { tensors, config } = await merge(base, [{ dir: ad }])
    expectClose('BF16', tensors.get('language_model.model.layers.0.self_attn.q_proj.weight')!.values, refLinear('BF16', q.values, A.values, B.values, H, H, R, 1))
    expect(tensors.get('language_model.model.embed_tokens.weight')!.shape).toEqual([V + 2, H])
    expect(tensors.get('language_model.lm_head.weight')!.shape).toEqual([V + 2, H])
    expect((config.text_config as Record<string, unknown>).vocab_size).toBe(V + 2)
    expect(tensors.has('vision_tower.vision_model.embeddings.patch_embedding.weight')).toBe(true)
  })
})

describe('refusals and reports', () => {
  async function setup(cfg: Record<string, unknown>, baseCfg: Record<string, unknown> = {}) {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), baseTensors('BF16'), llamaConfig(baseCfg))
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': t('F32', [R, H], 1), 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': t('F32', [H, R], 2) }, cfg)
    return { dir, base, ad }
  }
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
    ['PiSSA init', { init_lora_weights: 'pissa_niter_4' }, {}, 'UNSUPPORTED_ADAPTER'],
    ['LoftQ init', { init_lora_weights: 'loftq' }, {}, 'UNSUPPORTED_ADAPTER'],
    ['layer_replication', { layer_replication: [[0, 1]] }, {}, 'UNSUPPORTED_ADAPTER'],
    ['another PEFT type', { peft_type: 'IA3' }, {}, 'UNSUPPORTED_ADAPTER'],
    ['aLoRA', { alora_invocation_tokens: [1, 2] }, {}, 'UNSUPPORTED_ADAPTER'],
    ['quantized base', {}, { quantization_config: { quant_method: 'bitsandbytes' } }, 'UNSUPPORTED_MODEL'],
  ]
  for (const [what, cfg, baseCfg, code] of cases) {
    it(`refuses ${what} with ${code} and a reason`, async () => {
      const { dir, base, ad } = await setup(cfg, baseCfg)
      const err = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') }).catch((e) => e)
      expect(err.code).toBe(code)
      expect(err.message.length).toBeGreaterThan(20)
      expect(existsSync(join(dir, 'out'))).toBe(false)
    })
  }

  it('reports adapter modules that match nothing in the base', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), baseTensors('BF16'), llamaConfig())
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.5.self_attn.q_proj.lora_A.weight': t('F32', [R, H], 1), 'base_model.model.model.layers.5.self_attn.q_proj.lora_B.weight': t('F32', [H, R], 2) }, {})
    const err = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') }).catch((e) => e)
    expect(err.code).toBe('ADAPTER_MISMATCH')
    expect(err.message).toContain('model.layers.5.self_attn.q_proj')
  })

  it('rejects LoRA factors that do not fit the base shape, naming the module', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), baseTensors('BF16'), llamaConfig())
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': t('F32', [R, H + 1], 1), 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': t('F32', [H, R], 2) }, {})
    const err = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') }).catch((e) => e)
    expect(err.code).toBe('SHAPE_MISMATCH')
    expect(err.message).toContain('q_proj')
  })

  it('accepts adapter keys without the base_model.model. prefix and with _orig_mod.', async () => {
    const dir = await tempDir()
    const bt = baseTensors('BF16')
    const base = await writeModel(join(dir, 'base'), bt, llamaConfig())
    const A = t('F32', [R, H], 3, 0.3), B = t('F32', [H, R], 4, 0.3)
    const ad = await writeAdapter(join(dir, 'ad'), { 'model.layers.0.self_attn.q_proj.lora_A.weight': A, '_orig_mod.model.layers.0.self_attn.q_proj.lora_B.weight': B }, {})
    const { tensors } = await merge(base, [{ dir: ad }])
    expectClose('BF16', tensors.get('model.layers.0.self_attn.q_proj.weight')!.values, refLinear('BF16', bt['model.layers.0.self_attn.q_proj.weight'].values, A.values, B.values, H, H, R, 2))
  })
})

describe('inputs are never written over', () => {
  it('refuses an output folder that is, or contains, an input — even with overwrite', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), baseTensors('BF16'), llamaConfig())
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': t('F32', [R, H], 1), 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': t('F32', [H, R], 2) }, {})
    for (const out of [base, dir]) {
      const plan = await planMerge({ base, adapters: [{ dir: ad }], out })
      expect(plan.errors?.[0].code).toBe('OUTPUT_OVERLAPS_INPUT')
      await expect(executePlan({ plan, runner: inProcessRunner(), overwrite: true })).rejects.toMatchObject({ code: 'OUTPUT_OVERLAPS_INPUT' })
    }
    expect(existsSync(join(base, 'model.safetensors'))).toBe(true)
  })
})
