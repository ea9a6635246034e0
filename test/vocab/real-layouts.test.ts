import { describe, expect, it } from 'vitest'
import { copyFile, writeFile } from 'node:fs/promises'
import { fixtureDir } from '../compare/fixture-dirs'
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
import { executePlan } from '../../src/core/exec/execute-plan'
import { planMerge } from '../../src/core/lora/plan-merge'
import { planAddTokens } from '../../src/core/vocab/plan-add-tokens'
import { noTokenRowsWarning, planResize } from '../../src/core/vocab/plan-resize'
import { planUntrainedFix } from '../../src/core/vocab/plan-untrained-fix'
import { vocabTruthTable } from '../../src/core/vocab/vocab-truth-table'
import { randn, readConfig, readModel, refRound, tempDir, writeAdapter, writeModel, type T } from '../helpers/tiny-model'

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

// ---------------------------------------------------------------------------------------------
// Families: real tensor names and config fields, tiny sizes.

const V = 10
const H = 8

interface Family {
  name: string
  dtype: Dtype
  embed: string
  /** The head tensor in the file (null: tied without one). */
  head: string | null
  tied: boolean
  /** Where a tied model's head is written when untied. */
  headOut?: string
  /** A bare-model base (no base_model_prefix) that gains a head is written under this prefix, as PEFT/transformers save it (golden gpt2_hub_unprefixed_lora_mts). */
  mergedPrefix?: string
  /** Saved copies of the embedding (T5). */
  copies?: string[]
  /** Other tensors (name → shape). */
  others: Record<string, number[]>
  config: Record<string, unknown>
  /** Config fields (dotted) that hold the vocabulary size, all of which a resize must set. */
  vocabFields: string[]
  /** Config fields that must not appear. */
  absentFields?: string[]
  /** Where transformers reads the tie flag (an untie writes false there). */
  tieField: string
}

const FAMILIES: Family[] = [
  {
    name: 'Llama-3.1 (untied, bf16)',
    dtype: 'BF16',
    embed: 'model.embed_tokens.weight',
    head: 'lm_head.weight',
    tied: false,
    others: { 'model.layers.0.self_attn.q_proj.weight': [H, H], 'model.norm.weight': [H] },
    config: { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: V, tie_word_embeddings: false },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'Mistral (no tie flag: MistralConfig default untied, f16)',
    dtype: 'F16',
    embed: 'model.embed_tokens.weight',
    head: 'lm_head.weight',
    tied: false,
    others: { 'model.layers.0.self_attn.q_proj.weight': [H, H] },
    config: { model_type: 'mistral', vocab_size: V },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'Gemma-2 (tied, no flag)',
    dtype: 'BF16',
    embed: 'model.embed_tokens.weight',
    head: null,
    tied: true,
    headOut: 'lm_head.weight',
    others: { 'model.layers.0.self_attn.q_proj.weight': [H, H] },
    config: { model_type: 'gemma2', vocab_size: V },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'Gemma-3 multimodal (language_model.model.*, text_config, no flag)',
    dtype: 'BF16',
    embed: 'language_model.model.embed_tokens.weight',
    head: null,
    tied: true,
    headOut: 'language_model.lm_head.weight',
    others: { 'language_model.model.layers.0.self_attn.q_proj.weight': [H, H], 'vision_tower.vision_model.embeddings.patch_embedding.weight': [H, 12], 'vision_tower.vision_model.embeddings.position_embedding.weight': [V, H], 'multi_modal_projector.mm_input_projection_weight': [H, H] },
    config: { architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3', text_config: { model_type: 'gemma3_text', vocab_size: V, hidden_size: H }, vision_config: { model_type: 'siglip_vision_model', hidden_size: H } },
    vocabFields: ['text_config.vocab_size'],
    absentFields: ['vocab_size'],
    tieField: 'text_config.tie_word_embeddings',
  },
  {
    name: 'Qwen2.5 small (tied flag true)',
    dtype: 'BF16',
    embed: 'model.embed_tokens.weight',
    head: null,
    tied: true,
    headOut: 'lm_head.weight',
    others: { 'model.layers.0.self_attn.q_proj.weight': [H, H], 'model.layers.0.self_attn.q_proj.bias': [H] },
    config: { model_type: 'qwen2', vocab_size: V, tie_word_embeddings: true },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'Phi-3 (fused qkv_proj, untied)',
    dtype: 'BF16',
    embed: 'model.embed_tokens.weight',
    head: 'lm_head.weight',
    tied: false,
    others: { 'model.layers.0.self_attn.qkv_proj.weight': [3 * H, H], 'model.layers.0.mlp.gate_up_proj.weight': [4 * H, H] },
    config: { model_type: 'phi3', vocab_size: V, tie_word_embeddings: false },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'GPT-2 as on the Hub (wte, no transformer. prefix, no flag)',
    dtype: 'F32',
    embed: 'wte.weight',
    head: null,
    tied: true,
    headOut: 'lm_head.weight',
    mergedPrefix: 'transformer.',
    others: { 'wpe.weight': [16, H], 'h.0.attn.c_attn.weight': [H, 3 * H] },
    config: { model_type: 'gpt2', vocab_size: V, n_embd: H },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'InternLM2 (tok_embeddings / output, no flag)',
    dtype: 'BF16',
    embed: 'model.tok_embeddings.weight',
    head: 'output.weight',
    tied: false,
    others: { 'model.layers.0.attention.wqkv.weight': [3 * H, H], 'model.layers.0.attention.wo.weight': [H, H] },
    config: { model_type: 'internlm2', vocab_size: V, auto_map: { AutoModelForCausalLM: 'modeling_internlm2.InternLM2ForCausalLM' } },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'ChatGLM3 (transformer.output_layer, padded_vocab_size)',
    dtype: 'F16',
    embed: 'transformer.embedding.word_embeddings.weight',
    head: 'transformer.output_layer.weight',
    tied: false,
    others: { 'transformer.encoder.layers.0.self_attention.query_key_value.weight': [3 * H, H] },
    config: { model_type: 'chatglm', padded_vocab_size: V, hidden_size: H },
    vocabFields: ['padded_vocab_size'],
    absentFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'GLM-4 (padded_vocab_size and vocab_size, flag false)',
    dtype: 'BF16',
    embed: 'transformer.embedding.word_embeddings.weight',
    head: 'transformer.output_layer.weight',
    tied: false,
    others: { 'transformer.encoder.layers.0.self_attention.query_key_value.weight': [3 * H, H] },
    config: { model_type: 'chatglm', padded_vocab_size: V, vocab_size: V, tie_word_embeddings: false },
    vocabFields: ['padded_vocab_size', 'vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'LLaVA with InternLM2 (XTuner → HF: language_model.output)',
    dtype: 'BF16',
    embed: 'language_model.model.tok_embeddings.weight',
    head: 'language_model.output.weight',
    tied: false,
    others: { 'language_model.model.layers.0.attention.wqkv.weight': [3 * H, H], 'vision_tower.vision_model.embeddings.patch_embedding.weight': [H, 12], 'multi_modal_projector.linear_1.weight': [H, H] },
    config: { model_type: 'llava', text_config: { model_type: 'internlm2', vocab_size: V }, tie_word_embeddings: false, image_token_index: V - 1 },
    vocabFields: ['text_config.vocab_size'],
    absentFields: ['vocab_size'],
    tieField: 'text_config.tie_word_embeddings',
  },
  {
    name: 'InternVL2 (llm_config, InternLM2 LLM)',
    dtype: 'BF16',
    embed: 'language_model.model.tok_embeddings.weight',
    head: 'language_model.output.weight',
    tied: false,
    others: { 'language_model.model.layers.0.attention.wqkv.weight': [3 * H, H], 'vision_model.embeddings.patch_embedding.weight': [H, 12], 'mlp1.1.weight': [H, H] },
    config: { model_type: 'internvl_chat', llm_config: { model_type: 'internlm2', vocab_size: V, tie_word_embeddings: false }, vision_config: { model_type: 'intern_vit_6b' } },
    vocabFields: ['llm_config.vocab_size'],
    absentFields: ['vocab_size'],
    tieField: 'llm_config.tie_word_embeddings',
  },
  {
    name: 'GPT-NeoX (embed_in / embed_out)',
    dtype: 'F16',
    embed: 'gpt_neox.embed_in.weight',
    head: 'embed_out.weight',
    tied: false,
    others: { 'gpt_neox.layers.0.attention.query_key_value.weight': [3 * H, H] },
    config: { model_type: 'gpt_neox', vocab_size: V },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'MiniCPM-V (llm.model / llm.lm_head, vpm)',
    dtype: 'BF16',
    embed: 'llm.model.embed_tokens.weight',
    head: 'llm.lm_head.weight',
    tied: false,
    others: { 'llm.model.layers.0.self_attn.q_proj.weight': [H, H], 'vpm.embeddings.patch_embedding.weight': [H, 12], 'resampler.kv_proj.weight': [H, H] },
    config: { model_type: 'minicpmv', vocab_size: V },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'Nemotron-H (backbone.embeddings)',
    dtype: 'BF16',
    embed: 'backbone.embeddings.weight',
    head: 'lm_head.weight',
    tied: false,
    others: { 'backbone.layers.0.mixer.in_proj.weight': [2 * H, H], 'backbone.norm_f.weight': [H] },
    config: { model_type: 'nemotron_h', vocab_size: V },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'T5 v1.1 (shared + saved encoder/decoder copies, untied lm_head)',
    dtype: 'F32',
    embed: 'shared.weight',
    head: 'lm_head.weight',
    tied: false,
    copies: ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'],
    others: { 'encoder.block.0.layer.0.SelfAttention.q.weight': [H, H] },
    config: { model_type: 't5', vocab_size: V, d_model: H, tie_word_embeddings: false },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'T5 original (shared, tied by the T5Config default)',
    dtype: 'F32',
    embed: 'shared.weight',
    head: null,
    tied: true,
    headOut: 'lm_head.weight',
    copies: ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'],
    others: { 'encoder.block.0.layer.0.SelfAttention.q.weight': [H, H] },
    config: { model_type: 't5', vocab_size: V, d_model: H },
    vocabFields: ['vocab_size'],
    tieField: 'tie_word_embeddings',
  },
  {
    name: 'LLaVA-1.5 old layout (language_model.lm_head, vocab_size twice)',
    dtype: 'F16',
    embed: 'language_model.model.embed_tokens.weight',
    head: 'language_model.lm_head.weight',
    tied: false,
    others: { 'language_model.model.layers.0.self_attn.q_proj.weight': [H, H], 'vision_tower.vision_model.embeddings.patch_embedding.weight': [H, 12] },
    config: { model_type: 'llava', vocab_size: V, text_config: { model_type: 'llama', vocab_size: V }, tie_word_embeddings: false },
    vocabFields: ['text_config.vocab_size', 'vocab_size'],
    tieField: 'text_config.tie_word_embeddings',
  },
  {
    name: 'LLaVA transformers-5 layout (model.language_model.*, lm_head)',
    dtype: 'BF16',
    embed: 'model.language_model.embed_tokens.weight',
    head: 'lm_head.weight',
    tied: false,
    others: { 'model.language_model.layers.0.self_attn.q_proj.weight': [H, H], 'model.vision_tower.vision_model.embeddings.patch_embedding.weight': [H, 12] },
    config: { model_type: 'llava', text_config: { model_type: 'llama', vocab_size: V } },
    vocabFields: ['text_config.vocab_size'],
    absentFields: ['vocab_size'],
    tieField: 'text_config.tie_word_embeddings',
  },
]

const ZERO_ROWS = [2, 5]

/** Builds a family's folder: embedding (rows 2 and 5 zero), head (same rows zero), copies equal to the embedding. */
async function buildFamily(f: Family): Promise<{ dir: string; tensors: Record<string, T> }> {
  const tensors: Record<string, T> = {}
  const E = t(f.dtype, [V, H], 11)
  for (const r of ZERO_ROWS) E.values.fill(0, r * H, (r + 1) * H)
  tensors[f.embed] = E
  for (const c of f.copies ?? []) tensors[c] = { ...E, values: [...E.values] }
  if (f.head) {
    const L = t(f.dtype, [V, H], 12)
    for (const r of ZERO_ROWS) L.values.fill(0, r * H, (r + 1) * H)
    tensors[f.head] = L
  }
  let seed = 20
  for (const [name, shape] of Object.entries(f.others)) tensors[name] = t(f.dtype, shape, seed++)
  const dir = await writeModel(join(await tempDir(), 'base'), tensors, f.config)
  return { dir, tensors }
}

function field(config: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), config)
}

describe.each(FAMILIES)('$name', (f) => {
  it('inspect: finds the embedding, the head, the tie and the vocabulary field where transformers reads them', async () => {
    const { dir } = await buildFamily(f)
    const info = await readModelInfo(dir)
    expect(info.embedName).toBe(f.embed)
    expect(info.headName).toBe(f.head)
    expect(info.tied, info.tieReason).toBe(f.tied)
    expect(info.vocabConfigPath.join('.')).toBe(f.vocabFields[0])
    expect(info.vocabConfigPaths.map((p) => p.join('.')).sort()).toEqual([...f.vocabFields].sort())
    expect(info.vocabSize).toBe(V)
    expect(info.tieConfigPath.join('.')).toBe(f.tieField)
    expect(info.embedCopies).toEqual(f.copies ?? [])
    if (f.tied) expect(info.headWriteName).toBe(f.headOut)
  })

  it('vocab --scan: the truth table names both tensors and the scan finds the zero rows', async () => {
    const { dir } = await buildFamily(f)
    const info = await readModelInfo(dir)
    const scan = await scanVocabRows({ info, runner: inProcessRunner() })
    const table = await vocabTruthTable({ dir, info, scan })
    expect(table.embedName).toBe(f.embed)
    expect(table.headName).toBe(f.head)
    expect(table.headRows).toBe(V)
    expect(table.configVocabSize).toBe(V)
    expect(scan.untrained).toEqual(ZERO_ROWS)
    expect(table.checks.filter((c) => c.severity === 'error')).toEqual([])
  })

  it('resize +3 (mean): embedding, head and copies grow together; every vocabulary field is set, none added', async () => {
    const { dir, tensors: bt } = await buildFamily(f)
    const plan = await planResize({ base: dir, out: join(await tempDir(), 'out'), newSize: V + 3, init: { kind: 'mean' } })
    await executePlan({ plan, runner: inProcessRunner() })
    const out = await readModel(plan.output.dir)
    const config = await readConfig(plan.output.dir)
    for (const name of [f.embed, ...(f.head ? [f.head] : []), ...(f.copies ?? [])]) {
      expect(out.get(name)!.shape, name).toEqual([V + 3, H])
      expect(out.get(name)!.values.slice(0, V * H), name).toEqual(bt[name].values)
    }
    if (!f.head) expect(out.has(f.headOut!)).toBe(false)
    for (const c of f.copies ?? []) expect(out.get(c)!.values).toEqual(out.get(f.embed)!.values)
    for (const name of Object.keys(f.others)) expect(out.get(name)!.values, name).toEqual(bt[name].values)
    for (const k of f.vocabFields) expect(field(config, k), k).toBe(V + 3)
    for (const k of f.absentFields ?? []) expect(field(config, k), k).toBeUndefined()
    expect(field(config, f.tieField)).toBe(field(f.config, f.tieField))
  })

  it('untrained fix: the zero rows become the mean of the other rows', async () => {
    const { dir, tensors: bt } = await buildFamily(f)
    const info = await readModelInfo(dir)
    const scan = await scanVocabRows({ info, runner: inProcessRunner() })
    const plan = await planUntrainedFix({ base: dir, out: join(await tempDir(), 'out'), embedRows: scan.untrainedEmbed, headRows: scan.untrainedHead })
    await executePlan({ plan, runner: inProcessRunner() })
    const out = await readModel(plan.output.dir)
    const trained = [...Array(V).keys()].filter((r) => !ZERO_ROWS.includes(r))
    for (const name of [f.embed, ...(f.head ? [f.head] : [])]) {
      const want = meanRows(bt[name], trained)
      for (const r of ZERO_ROWS) expect(out.get(name)!.values.slice(r * H, (r + 1) * H), `${name} row ${r}`).toEqual(want.map((x) => refRound(f.dtype, x)))
    }
  })

  it('merge: modules_to_save embedding and head with a grown vocabulary (+ LoRA elsewhere untouched)', async () => {
    const { dir, tensors: bt } = await buildFamily(f)
    const E = t('F32', [V + 3, H], 40)
    const L = t('F32', [V + 3, H], 41)
    const headKey = f.head ?? f.headOut!
    const ad = await writeAdapter(join(await tempDir(), 'ad'), { [`base_model.model.${f.embed}`]: E, [`base_model.model.${headKey}`]: L }, { modules_to_save: [f.embed.split('.').slice(-2, -1)[0], headKey.split('.').slice(-2, -1)[0]] })
    const plan = await planMerge({ base: dir, adapters: [{ dir: ad }], out: join(await tempDir(), 'out') })
    await executePlan({ plan, runner: inProcessRunner() })
    const out = await readModel(plan.output.dir)
    const config = await readConfig(plan.output.dir)
    const body = (name: string) => (f.mergedPrefix ?? '') + name
    expect(out.get(body(f.embed))!.values).toEqual(E.values.map((x) => refRound(f.dtype, x)))
    expect(out.get(headKey)!.values).toEqual(L.values.map((x) => refRound(f.dtype, x)))
    for (const c of f.copies ?? []) expect(out.get(c)!.values, c).toEqual(out.get(f.embed)!.values)
    for (const k of f.vocabFields) expect(field(config, k), k).toBe(V + 3)
    for (const k of f.absentFields ?? []) expect(field(config, k), k).toBeUndefined()
    if (f.tied) {
      expect(plan.decisions.map((d) => d.code)).toContain('UNTIED')
      expect(field(config, f.tieField), f.tieField).toBe(false)
    }
    for (const name of Object.keys(f.others)) expect(out.get(body(name))!.values, name).toEqual(bt[name].values)
  })
})

function meanRows(x: T, rows: number[]): number[] {
  const out = new Array(x.shape[1]).fill(0)
  for (const r of rows) for (let j = 0; j < x.shape[1]; j++) out[j] += x.values[r * x.shape[1] + j]
  return out.map((s) => s / rows.length)
}

describe('F8: a Gemma with a stale lm_head.weight and no tie flag is tied, as transformers loads it', () => {
  async function staleGemma() {
    const E = t('F32', [V, H], 50)
    const stale = t('F32', [V, H], 51)
    const tensors = { 'model.embed_tokens.weight': E, 'lm_head.weight': stale, 'model.layers.0.self_attn.q_proj.weight': t('F32', [H, H], 52) }
    const dir = await writeModel(join(await tempDir(), 'gemma'), tensors, { architectures: ['GemmaForCausalLM'], model_type: 'gemma', vocab_size: V })
    return { dir, E, stale }
  }

  it('inspect: tied by the GemmaConfig default, and says the file head is unused', async () => {
    const { dir } = await staleGemma()
    const info = await readModelInfo(dir)
    expect(info.tied).toBe(true)
    expect(info.tieFlag).toBeNull()
    expect(info.headName).toBe('lm_head.weight')
    expect(info.tieReason).toMatch(/GemmaConfig default: tied; lm_head\.weight in the file is not used/)
  })

  it('merge with LoRA on lm_head: the delta goes onto the embedding-as-head (as PEFT on the loaded model), the model is untied', async () => {
    const { dir, E, stale } = await staleGemma()
    const A = t('F32', [2, H], 53, 0.3)
    const B = t('F32', [V, 2], 54, 0.3)
    const ad = await writeAdapter(join(await tempDir(), 'ad'), { 'base_model.model.lm_head.lora_A.weight': A, 'base_model.model.lm_head.lora_B.weight': B }, { r: 2, lora_alpha: 4 })
    const plan = await planMerge({ base: dir, adapters: [{ dir: ad }], out: join(await tempDir(), 'out') })
    expect(plan.decisions.map((d) => d.code)).toEqual(expect.arrayContaining(['TIED_BY_DEFAULT', 'UNTIED']))
    await executePlan({ plan, runner: inProcessRunner() })
    const out = await readModel(plan.output.dir)
    const config = await readConfig(plan.output.dir)
    expect(config.tie_word_embeddings).toBe(false)
    const head = out.get('lm_head.weight')!.values
    for (let i = 0; i < V; i++)
      for (let j = 0; j < H; j++) {
        let d = 0
        for (let k = 0; k < 2; k++) d += B.values[i * 2 + k] * A.values[k * H + j]
        const want = Math.fround(E.values[i * H + j] + 2 * d)
        expect(Math.abs(head[i * H + j] - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -22 + 1e-7)
      }
    expect(head).not.toEqual(stale.values)
    expect(out.get('model.embed_tokens.weight')!.values).toEqual(E.values)
  })

  it('merge touching neither: the model stays tied and the file head is copied byte for byte', async () => {
    const { dir, stale } = await staleGemma()
    const A = t('F32', [2, H], 55, 0.3)
    const B = t('F32', [H, 2], 56, 0.3)
    const ad = await writeAdapter(join(await tempDir(), 'ad'), { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': A, 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': B }, { r: 2, lora_alpha: 4 })
    const plan = await planMerge({ base: dir, adapters: [{ dir: ad }], out: join(await tempDir(), 'out') })
    await executePlan({ plan, runner: inProcessRunner() })
    const out = await readModel(plan.output.dir)
    expect(out.get('lm_head.weight')!.values).toEqual(stale.values)
    expect((await readConfig(plan.output.dir)).tie_word_embeddings).toBeUndefined()
  })
})

describe('resize refuses what it cannot place instead of writing an unloadable model', () => {
  it('an untied model whose head Graft cannot find', async () => {
    const dir = await writeModel(join(await tempDir(), 'm'), { 'model.embed_tokens.weight': t('BF16', [V, H], 60), 'model.norm.weight': t('BF16', [H], 61) }, { model_type: 'llama', vocab_size: V, tie_word_embeddings: false })
    await expect(planResize({ base: dir, out: join(await tempDir(), 'o'), newSize: V + 3, init: { kind: 'mean' } })).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL', message: expect.stringMatching(/untied .*no output head/) })
  })

  it('a second [vocab, hidden] tensor it does not know (e.g. a multi-token-prediction head)', async () => {
    const tensors = { 'model.embed_tokens.weight': t('BF16', [V, H], 62), 'lm_head.weight': t('BF16', [V, H], 63), 'model.mtp.0.shared_head.head.weight': t('BF16', [V, H], 64) }
    const dir = await writeModel(join(await tempDir(), 'm'), tensors, { model_type: 'llama', vocab_size: V, tie_word_embeddings: false })
    await expect(planResize({ base: dir, out: join(await tempDir(), 'o'), newSize: V + 3, init: { kind: 'mean' } })).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL', tensor: 'model.mtp.0.shared_head.head.weight' })
  })

  it('a merge that grows the embedding of an untied model without a head', async () => {
    const dir = await writeModel(join(await tempDir(), 'm'), { 'model.embed_tokens.weight': t('BF16', [V, H], 65) }, { model_type: 'llama', vocab_size: V, tie_word_embeddings: false })
    const ad = await writeAdapter(join(await tempDir(), 'ad'), { 'base_model.model.model.embed_tokens.weight': t('F32', [V + 3, H], 66) }, { modules_to_save: ['embed_tokens'] })
    await expect(planMerge({ base: dir, adapters: [{ dir: ad }], out: join(await tempDir(), 'o') })).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL' })
  })
})

describe('untrained fix: the trained mean leaves out the rows found untrained (Unsloth)', () => {
  it('Llama-3.1 style: zero embedding rows and equal (non-zero) head rows; both means skip those rows', async () => {
    const bad = [3, 4, 7]
    const E = t('BF16', [V, H], 70)
    const L = t('BF16', [V, H], 71)
    const repeated = t('BF16', [1, H], 72).values
    for (const r of bad) {
      E.values.fill(0, r * H, (r + 1) * H)
      L.values.splice(r * H, H, ...repeated)
    }
    const dir = await writeModel(join(await tempDir(), 'l31'), { 'model.embed_tokens.weight': E, 'lm_head.weight': L }, { model_type: 'llama', vocab_size: V, tie_word_embeddings: false })
    const info = await readModelInfo(dir)
    const scan = await scanVocabRows({ info, runner: inProcessRunner() })
    expect(scan.untrainedEmbed).toEqual(bad)
    expect(scan.untrainedHead).toEqual(bad)
    const plan = await planUntrainedFix({ base: dir, out: join(await tempDir(), 'out'), embedRows: scan.untrainedEmbed, headRows: scan.untrainedHead })
    await executePlan({ plan, runner: inProcessRunner() })
    const out = await readModel(plan.output.dir)
    const trained = [...Array(V).keys()].filter((r) => !bad.includes(r))
    const wantE = meanRows(E, trained).map((x) => refRound('BF16', x))
    const wantL = meanRows(L, trained).map((x) => refRound('BF16', x))
    for (const r of bad) {
      expect(out.get('model.embed_tokens.weight')!.values.slice(r * H, (r + 1) * H)).toEqual(wantE)
      expect(out.get('lm_head.weight')!.values.slice(r * H, (r + 1) * H), `head row ${r}`).toEqual(wantL)
    }
  })
})

/** A tokenizer.json with a BPE vocabulary t0…t{n-1} and the given added tokens from id n on. */
function tokenizerJson(n: number, added: { content: string; special: boolean }[]): string {
  const vocab: Record<string, number> = {}
  for (let i = 0; i < n; i++) vocab[`t${i}`] = i
  return JSON.stringify({
    version: '1.0',
    added_tokens: added.map((a, i) => ({ id: n + i, content: a.content, single_word: false, lstrip: false, rstrip: false, normalized: !a.special, special: a.special })),
    model: { type: 'BPE', vocab, merges: [] },
  })
}

describe('Gemma-3 1B: a tokenizer one larger than the embedding', () => {
  async function gemma1b(extra: { content: string; special: boolean }, tokenizerConfig: Record<string, unknown> = {}) {
    const dir = await writeModel(join(await tempDir(), 'g1b'), { 'model.embed_tokens.weight': t('BF16', [V, H], 80) }, { model_type: 'gemma3_text', vocab_size: V })
    await writeFile(join(dir, 'tokenizer.json'), tokenizerJson(V, [extra]))
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'GemmaTokenizerFast', bos_token: 't2', eos_token: 't1', ...tokenizerConfig }))
    return vocabTruthTable({ dir })
  }
  const excess = (table: Awaited<ReturnType<typeof vocabTruthTable>>) => table.checks.find((c) => c.code === 'TOKENIZER_EXCEEDS_EMBEDDING')!

  it('the extra id is a special token text never produces (<image_soft_token>): a warning, not an error', async () => {
    const table = await gemma1b({ content: '<image_soft_token>', special: true })
    expect(table.tokenizerSize).toBe(V + 1)
    expect(excess(table).severity).toBe('warning')
    expect(excess(table).message).toMatch(/<image_soft_token>/)
    expect(excess(table).message).toMatch(/harmless only while/)
    expect(table.checks.some((c) => c.severity === 'error')).toBe(false)
  })

  it('an extra ordinary (non-special) token is an error: plain text produces it', async () => {
    expect(excess(await gemma1b({ content: 'hello', special: false })).severity).toBe('error')
  })

  it('an extra special token with a role (eos) is an error: the tokenizer or trainer inserts it', async () => {
    expect(excess(await gemma1b({ content: '<eos2>', special: true }, { eos_token: '<eos2>' })).severity).toBe('error')
  })

  it('an extra special token the chat template writes is an error', async () => {
    expect(excess(await gemma1b({ content: '<start_of_turn>', special: true }, { chat_template: "{{ '<start_of_turn>' + message['content'] }}" })).severity).toBe('error')
  })
})

describe('resize plans warn about rows without a token', () => {
  it('the rule: above 5 % of the tokenizer and 1024 rows', () => {
    expect(noTokenRowsWarning(32000 + 300, 32000, 8192)).toBeNull()
    expect(noTokenRowsWarning(262208, 262145, 2 * 2560 * 2)).toBeNull()
    const w = noTokenRowsWarning(10_000_000, 32_002, 2 * 4096 * 2 * 2)
    expect(w?.code).toBe('MANY_ROWS_WITHOUT_TOKEN')
    expect(w?.message).toMatch(/^9,967,998 rows will have no token \(31,148 % of the 32,002-token vocabulary, 326\.63 GB\)/)
  })

  it('a plan whose new size far exceeds the tokenizer carries the warning; a small padding does not', async () => {
    const dir = await writeModel(join(await tempDir(), 'm'), { 'model.embed_tokens.weight': t('BF16', [V, H], 90), 'lm_head.weight': t('BF16', [V, H], 91) }, { model_type: 'llama', vocab_size: V, tie_word_embeddings: false })
    await writeFile(join(dir, 'tokenizer.json'), tokenizerJson(V, []))
    const big = await planResize({ base: dir, out: join(await tempDir(), 'o'), newSize: V + 2000, init: { kind: 'mean' } })
    expect(big.warnings.map((w) => w.code)).toContain('MANY_ROWS_WITHOUT_TOKEN')
    expect(big.warnings.find((w) => w.code === 'MANY_ROWS_WITHOUT_TOKEN')!.message).toMatch(/^2,000 rows will have no token/)
    const small = await planResize({ base: dir, out: join(await tempDir(), 'o2'), newSize: V + 3, init: { kind: 'mean' } })
    expect(small.warnings.map((w) => w.code)).not.toContain('MANY_ROWS_WITHOUT_TOKEN')
  })
})

describe('Gemma-3 1B with the real Gemma-3 tokenizer (262,145 tokens, 262,144 rows)', () => {
  it('vocab reports a warning naming <image_soft_token>, no error', async () => {
    const rows = 262144
    const hidden = 4
    const dir = join(await tempDir(), 'gemma3-1b')
    await writeModel(dir, { 'model.norm.weight': t('BF16', [hidden], 1) }, { architectures: ['Gemma3ForCausalLM'], model_type: 'gemma3_text', vocab_size: rows })
    await writeSafetensorsFile({ path: join(dir, 'model.safetensors'), tensors: [{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [rows, hidden], data: new Uint8Array(rows * hidden * 2) }] })
    const fx = fixtureDir('gemma3')
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(fx, f), join(dir, f))
    const table = await vocabTruthTable({ dir })
    expect(table.tokenizerSize).toBe(rows + 1)
    const c = table.checks.find((x) => x.code === 'TOKENIZER_EXCEEDS_EMBEDDING')!
    expect(c.severity).toBe('warning')
    expect(c.message).toMatch(/"<image_soft_token>" \(id 262144\)/)
    expect(table.checks.some((x) => x.severity === 'error')).toBe(false)
  }, 60_000)
})

describe('seed 004: tokens add on InternLM2 inside LLaVA (XTuner) and InternVL2 grows embedding and output together', () => {
  const ROWS = 32000 // the Mistral/Llama-2 tokenizer fixture stands in for InternLM2's
  const layouts: [string, Record<string, unknown>, string][] = [
    ['LLaVA-InternLM2', { model_type: 'llava', text_config: { model_type: 'internlm2', vocab_size: ROWS }, tie_word_embeddings: false }, 'text_config.vocab_size'],
    ['InternVL2', { model_type: 'internvl_chat', llm_config: { model_type: 'internlm2', vocab_size: ROWS, tie_word_embeddings: false } }, 'llm_config.vocab_size'],
  ]
  it.each(layouts)('%s', async (_name, config, vocabField) => {
    const hidden = 4
    const dir = join(await tempDir(), 'vlm')
    await writeModel(dir, { 'language_model.model.layers.0.attention.wqkv.weight': t('F16', [3 * hidden, hidden], 1) }, config)
    const bits = (seed: number) => {
      const b = new Uint16Array(ROWS * hidden)
      for (let i = 0; i < b.length; i++) b[i] = 0x2c00 + ((i * seed) % 251) // small positive f16 values
      return new Uint8Array(b.buffer)
    }
    await writeSafetensorsFile({
      path: join(dir, 'model.safetensors'),
      tensors: [
        { name: 'language_model.model.tok_embeddings.weight', dtype: 'F16', shape: [ROWS, hidden], data: bits(7) },
        { name: 'language_model.output.weight', dtype: 'F16', shape: [ROWS, hidden], data: bits(11) },
        { name: 'language_model.model.layers.0.attention.wqkv.weight', dtype: 'F16', shape: [3 * hidden, hidden], data: new Uint8Array(3 * hidden * hidden * 2) },
      ],
    })
    const fx = fixtureDir('mistral')
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(fx, f), join(dir, f))
    const { plan } = await planAddTokens({ base: dir, out: join(await tempDir(), 'out'), tokens: [{ content: '<image>', special: true }, { content: '<pad>', special: true }, { content: 'graftword', special: false }], init: 'mean' })
    await executePlan({ plan, runner: inProcessRunner() })
    const info = await readModelInfo(plan.output.dir)
    expect(info.checkpoint.tensors.get('language_model.model.tok_embeddings.weight')!.shape).toEqual([ROWS + 3, hidden])
    expect(info.checkpoint.tensors.get('language_model.output.weight')!.shape).toEqual([ROWS + 3, hidden])
    const cfg = await readConfig(plan.output.dir)
    expect(field(cfg, vocabField)).toBe(ROWS + 3)
    expect(cfg.vocab_size).toBeUndefined()
  }, 120_000)
})
