import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { planMerge } from '../../src/core/lora/plan-merge'
import { executePlan } from '../../src/core/exec/execute-plan'
import { runOperation } from '../../src/core/ops/run-operation'
import { inProcessRunner } from '../../src/core/exec/in-process-runner'
import { formatPlan } from '../../src/cli/format'
import { GraftError } from '../../src/core/errors'
import type { Dtype } from '../../src/shared/dtypes'
import { randn, readConfig, readModel, refRound, tempDir, writeAdapter, writeModel, type T } from '../helpers/tiny-model'

/** Adapter inputs from the wild: sizes, configs and key layouts that are not the plain Llama case. */

const V = 12
const H = 8
const R = 2

function t(dtype: Dtype, shape: number[], seed: number, scale = 0.5): T {
  return { dtype, shape, values: randn(shape.reduce((a, b) => a * b, 1), seed, scale).map((v) => refRound(dtype, v)) }
}

async function llamaBase(dir: string): Promise<string> {
  return writeModel(
    join(dir, 'base'),
    { 'model.embed_tokens.weight': t('F32', [V, H], 1), 'model.layers.0.self_attn.q_proj.weight': t('F32', [H, H], 2), 'model.norm.weight': t('F32', [H], 3), 'lm_head.weight': t('F32', [V, H], 4) },
    { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: V, hidden_size: H, tie_word_embeddings: false },
  )
}

const qLora = (prefix = 'base_model.model.model.layers.0.self_attn.q_proj') => ({ [`${prefix}.lora_A.weight`]: t('F32', [R, H], 10), [`${prefix}.lora_B.weight`]: t('F32', [H, R], 11) })

async function refusal(p: Promise<unknown>): Promise<GraftError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(GraftError)
    return e as GraftError
  }
  throw new Error('accepted')
}

describe('vocabulary size of saved embeddings', () => {
  it('an adapter whose embedding has fewer rows than the base is refused (it would shrink the vocabulary)', async () => {
    const dir = await tempDir()
    const base = await llamaBase(dir)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.weight': t('F32', [V - 3, H], 20), 'base_model.model.lm_head.weight': t('F32', [V - 3, H], 21) }, { modules_to_save: ['embed_tokens', 'lm_head'] })
    const e = await refusal(planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') }))
    expect(e.code).toBe('SHAPE_MISMATCH')
    expect(e.message).toMatch(/9 rows .* 12: merging it would shrink the vocabulary/)
    expect(e.file).toBe(ad)
  })

  it('a larger embedding is a VOCAB_RESIZED decision worded "grows from N to M"', async () => {
    const dir = await tempDir()
    const base = await llamaBase(dir)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.model.embed_tokens.weight': t('F32', [V + 2, H], 20), 'base_model.model.lm_head.weight': t('F32', [V + 2, H], 21) }, { modules_to_save: ['embed_tokens', 'lm_head'] })
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
    const d = plan.decisions.find((x) => x.code === 'VOCAB_RESIZED')!
    expect(d.message).toContain('grows from 12 to 14')
  })
})

describe('the plan shows each adapter and warns about absurd weights and scales', () => {
  it('adapters table in the plan data and in formatPlan (path, r, alpha, s, weight, flags)', async () => {
    const dir = await tempDir()
    const base = await llamaBase(dir)
    const ad = await writeAdapter(join(dir, 'ad'), qLora(), { r: R, lora_alpha: 4, use_rslora: true })
    const plan = await planMerge({ base, adapters: [{ dir: ad, weight: 0.5 }], out: join(dir, 'out') })
    expect(plan.adapters).toEqual([{ path: ad, weight: 0.5, configR: R, loraAlpha: 4, useRslora: true, useDora: false, groups: [{ rank: R, alpha: 4, scale: 4 / Math.sqrt(2), modules: 1 }], fullTensors: 0 }])
    expect(plan.warnings).toEqual([])
    const text = formatPlan(plan)
    expect(text).toContain(`1. ${ad}  weight 0.5  r=2 alpha=4 s=2.82843  [rsLoRA]`)
  })

  it('per-module r and alpha from patterns are listed per group', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'base'), { 'model.layers.0.self_attn.q_proj.weight': t('F32', [H, H], 2), 'model.layers.0.self_attn.v_proj.weight': t('F32', [H, H], 3) }, { model_type: 'llama', hidden_size: H })
    const v = 'base_model.model.model.layers.0.self_attn.v_proj'
    const ad = await writeAdapter(join(dir, 'ad'), { ...qLora(), [`${v}.lora_A.weight`]: t('F32', [4, H], 12), [`${v}.lora_B.weight`]: t('F32', [H, 4], 13) }, { r: R, lora_alpha: 4, rank_pattern: { v_proj: 4 }, alpha_pattern: { v_proj: 16 } })
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
    expect(plan.adapters![0].groups).toEqual([
      { rank: 2, alpha: 4, scale: 2, modules: 1 },
      { rank: 4, alpha: 16, scale: 4, modules: 1 },
    ])
    expect(plan.warnings).toEqual([])
    expect(formatPlan(plan)).toContain('r=4 alpha=16 s=4  1 module')
  })

  const cases: [string, number, Record<string, unknown>, string[]][] = [
    ['weight 0', 0, {}, ['WEIGHT_ZERO']],
    ['weight -3', -3, {}, ['WEIGHT_NEGATIVE', 'WEIGHT_HUGE']],
    ['weight 1e9', 1e9, {}, ['WEIGHT_HUGE']],
    ['lora_alpha 1e6', 1, { lora_alpha: 1e6 }, ['SCALE_HUGE']],
    ['config r 8 vs tensors r 2', 1, { r: 8, lora_alpha: 16 }, ['RANK_MISMATCH']],
  ]
  for (const [name, weight, cfg, codes] of cases) {
    it(`${name} → ${codes.join(', ')}`, async () => {
      const dir = await tempDir()
      const base = await llamaBase(dir)
      const ad = await writeAdapter(join(dir, 'ad'), qLora(), cfg)
      const plan = await planMerge({ base, adapters: [{ dir: ad, weight }], out: join(dir, 'out') })
      expect(plan.warnings.map((w) => w.code)).toEqual(codes)
      if (codes.includes('RANK_MISMATCH')) expect(plan.warnings[0].message).toContain('model.layers.0.self_attn.q_proj (tensors r=2, config r=8)')
      if (codes.includes('WEIGHT_ZERO')) expect(plan.warnings[0].message).toContain('modules_to_save')
      if (name === 'weight 1e9') expect(plan.warnings[0].message).toContain('far outside 0–2')
    })
  }

  it('a non-finite weight is refused', async () => {
    const dir = await tempDir()
    const base = await llamaBase(dir)
    const ad = await writeAdapter(join(dir, 'ad'), qLora(), {})
    expect((await refusal(planMerge({ base, adapters: [{ dir: ad, weight: NaN }], out: join(dir, 'out') }))).code).toBe('BAD_REQUEST')
  })

  it('a hostile alpha_pattern key does not freeze the plan', async () => {
    const dir = await tempDir()
    const base = await llamaBase(dir)
    const ad = await writeAdapter(join(dir, 'ad'), qLora(), { alpha_pattern: { '((\\w|\\.)*)*Z': 4 } })
    const t0 = performance.now()
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(plan.adapters![0].groups[0].alpha).toBe(4) // the key does not match; lora_alpha (4) applies
  })
})

describe('key layouts: base_model_prefix (GPT-2 Hub checkpoints)', () => {
  async function gpt2Base(dir: string) {
    return writeModel(
      join(dir, 'gpt2'),
      { 'wte.weight': t('F32', [V, H], 1), 'wpe.weight': t('F32', [4, H], 2), 'h.0.attn.c_attn.weight': t('F32', [H, 3 * H], 3), 'h.0.attn.c_attn.bias': t('F32', [3 * H], 4), 'ln_f.weight': t('F32', [H], 5) },
      { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: V, n_embd: H },
    )
  }

  it('LoRA keys written by PEFT (transformer.h.0…) match the unprefixed Hub keys (h.0…)', async () => {
    const dir = await tempDir()
    const base = await gpt2Base(dir)
    const p = 'base_model.model.transformer.h.0.attn.c_attn'
    const ad = await writeAdapter(join(dir, 'ad'), { [`${p}.lora_A.weight`]: t('F32', [R, H], 10), [`${p}.lora_B.weight`]: t('F32', [3 * H, R], 11) }, { fan_in_fan_out: true })
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
    const c = plan.tensors.find((x) => x.name === 'h.0.attn.c_attn.weight')!
    expect(c.lora?.[0].kind).toBe('conv1d')
    // Nothing outside the bare model is written, so the Hub layout (no prefix) is kept.
    expect(plan.tensors.some((x) => x.name.startsWith('transformer.'))).toBe(false)
  })

  it('modules_to_save embedding + head (grown vocabulary) replace wte instead of adding a second copy', async () => {
    const dir = await tempDir()
    const base = await gpt2Base(dir)
    const E = t('F32', [V + 3, H], 20)
    const L = t('F32', [V + 3, H], 21)
    const ad = await writeAdapter(join(dir, 'ad'), { 'base_model.model.transformer.wte.weight': E, 'base_model.model.lm_head.weight': L }, { modules_to_save: ['wte', 'lm_head'] })
    const out = join(dir, 'out')
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out })
    expect(plan.decisions.map((d) => d.code)).not.toContain('ADDED_TENSOR')
    // The output holds lm_head, so the base tensors take the transformer. prefix (GPT2LMHeadModel's layout).
    expect(plan.decisions.map((d) => d.code)).toContain('PREFIXED')
    await executePlan({ plan, runner: inProcessRunner() })
    const m = await readModel(out)
    expect([...m.keys()].sort()).toEqual(['lm_head.weight', 'transformer.h.0.attn.c_attn.bias', 'transformer.h.0.attn.c_attn.weight', 'transformer.ln_f.weight', 'transformer.wpe.weight', 'transformer.wte.weight'])
    expect(m.get('transformer.wte.weight')!.shape).toEqual([V + 3, H])
    expect(m.get('transformer.wte.weight')!.values).toEqual(E.values)
    expect(m.get('lm_head.weight')!.values).toEqual(L.values)
    expect((await readConfig(out)).vocab_size).toBe(V + 3)
  })
})

describe('key layouts: transformers ≥ 4.52 VLM renames (Qwen2-VL / Qwen2.5-VL)', () => {
  const hub = { 'model.embed_tokens.weight': [V, H], 'model.layers.0.self_attn.q_proj.weight': [H, H], 'visual.blocks.0.attn.qkv.weight': [3 * H, H], 'lm_head.weight': [V, H] }
  const loaded = { 'model.language_model.embed_tokens.weight': [V, H], 'model.language_model.layers.0.self_attn.q_proj.weight': [H, H], 'model.visual.blocks.0.attn.qkv.weight': [3 * H, H], 'lm_head.weight': [V, H] }
  function lora(prefix: string, out: number) {
    return { [`base_model.model.${prefix}.lora_A.weight`]: t('F32', [R, H], 10), [`base_model.model.${prefix}.lora_B.weight`]: t('F32', [out, R], 11) }
  }
  for (const modelType of ['qwen2_vl', 'qwen2_5_vl']) {
    for (const [what, baseKeys, adapterPrefixes, expected] of [
      ['new-name adapter into a Hub-layout base', hub, ['model.language_model.layers.0.self_attn.q_proj', 'model.visual.blocks.0.attn.qkv'], ['model.layers.0.self_attn.q_proj.weight', 'visual.blocks.0.attn.qkv.weight']],
      ['old-name adapter into a new-layout base', loaded, ['model.layers.0.self_attn.q_proj', 'visual.blocks.0.attn.qkv'], ['model.language_model.layers.0.self_attn.q_proj.weight', 'model.visual.blocks.0.attn.qkv.weight']],
    ] as const) {
      it(`${modelType}: ${what}`, async () => {
        const dir = await tempDir()
        const tensors: Record<string, T> = {}
        let seed = 1
        for (const [k, shape] of Object.entries(baseKeys)) tensors[k] = t('F32', shape as number[], seed++)
        const base = await writeModel(join(dir, 'base'), tensors, { model_type: modelType, vocab_size: V, hidden_size: H, tie_word_embeddings: false })
        const ad = await writeAdapter(join(dir, 'ad'), { ...lora(adapterPrefixes[0], H), ...lora(adapterPrefixes[1], 3 * H) }, {})
        const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
        for (const name of expected) expect(plan.tensors.find((x) => x.name === name)?.lora?.length, name).toBe(1)
      })
    }
  }
})

describe('key layouts: a SEQ_CLS head added to an unprefixed GPT-2', () => {
  it('score.weight is added and the base tensors take the transformer. prefix', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'gpt2'), { 'wte.weight': t('F32', [V, H], 1), 'h.0.attn.c_attn.weight': t('F32', [H, 3 * H], 3) }, { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: V, n_embd: H })
    const p = 'base_model.model.transformer.h.0.attn.c_attn'
    const ad = await writeAdapter(join(dir, 'ad'), { [`${p}.lora_A.weight`]: t('F32', [R, H], 10), [`${p}.lora_B.weight`]: t('F32', [3 * H, R], 11), 'base_model.model.score.weight': t('F32', [2, H], 12) }, { task_type: 'SEQ_CLS' })
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
    expect(plan.tensors.map((x) => x.name).sort()).toEqual(['score.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.wte.weight'])
    expect(plan.tensors.find((x) => x.name === 'transformer.h.0.attn.c_attn.weight')!.lora).toHaveLength(1)
  })
})

describe('non-transformers folders', () => {
  it('F7: a diffusers UNet keeps its weights file name (diffusers loads diffusion_pytorch_model.safetensors by name), merged correctly', async () => {
    const dir = await tempDir()
    const name = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight'
    const W = t('F32', [H, H], 1)
    const base = await writeModel(join(dir, 'unet'), { [name]: W }, { _class_name: 'UNet2DConditionModel', _diffusers_version: '0.30.0' }, { file: 'diffusion_pytorch_model.safetensors' })
    const lora = qLora('base_model.model.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q')
    const ad = await writeAdapter(join(dir, 'ad'), lora, { target_modules: ['to_q'] })
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out') })
    expect(plan.output.shards.map((s) => s.file)).toEqual(['diffusion_pytorch_model.safetensors'])
    expect(plan.decisions.map((d) => d.code)).toContain('WEIGHTS_NAME_KEPT')
    // runOperation: executed and verified (the check reads the output by its own file name) before the rename.
    await runOperation({ plan, runner: inProcessRunner() })
    const { readdir } = await import('node:fs/promises')
    const files = await readdir(plan.output.dir)
    expect(files).toContain('diffusion_pytorch_model.safetensors')
    expect(files).not.toContain('model.safetensors')
    // W + (alpha / r) · B · A, in f32
    const [A, B] = Object.values(lora)
    const s = 4 / R
    const want = W.values.map((w, i) => {
      const row = Math.floor(i / H)
      const col = i % H
      let d = 0
      for (let k = 0; k < R; k++) d += B.values[row * R + k] * A.values[k * H + col]
      return w + s * d
    })
    const got = (await readModel(plan.output.dir)).get(name)!.values
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5)
  })

  it('F7: a sharded diffusers folder writes diffusion_pytorch_model-0000N-of-0000M shards and its own index name', async () => {
    const dir = await tempDir()
    const base = await writeModel(join(dir, 'unet'), { 'a.weight': t('F32', [H, H], 1), 'b.weight': t('F32', [H, H], 2) }, { _class_name: 'UNet2DConditionModel' }, { file: 'diffusion_pytorch_model.safetensors' })
    const ad = await writeAdapter(join(dir, 'ad'), qLora('base_model.model.a'), { target_modules: ['a'] })
    const plan = await planMerge({ base, adapters: [{ dir: ad }], out: join(dir, 'out'), maxShardBytes: H * H * 4 })
    expect(plan.output.shards.map((s) => s.file)).toEqual(['diffusion_pytorch_model-00001-of-00002.safetensors', 'diffusion_pytorch_model-00002-of-00002.safetensors'])
    await executePlan({ plan, runner: inProcessRunner() })
    const { readdir } = await import('node:fs/promises')
    expect((await readdir(plan.output.dir)).filter((f) => f.includes('safetensors')).sort()).toEqual([
      'diffusion_pytorch_model-00001-of-00002.safetensors',
      'diffusion_pytorch_model-00002-of-00002.safetensors',
      'diffusion_pytorch_model.safetensors.index.json',
    ])
  })
})
