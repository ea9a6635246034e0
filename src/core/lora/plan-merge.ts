import { basename, join } from 'node:path'
import { isFloatDtype, type Dtype } from '../../shared/dtypes'
import type { FileEdit, LoraTerm, Plan, PlanAdapter, PlanNote, RowStat, TensorRef } from '../../shared/plan'
import { initFor, type InitStrategy } from '../vocab/plan-resize'
import { GraftError } from '../errors'
import { readModelInfo, type JsonObject, type ModelInfo } from '../model/read-model-info'
import { finishPlan, type TensorDraft } from '../plan/finish-plan'
import { copyModelFiles } from '../plan/model-files'
import { weightsPrefixOf } from '../safetensors/open-checkpoint'
import { matchPattern, readAdapter, TOKENIZER_FILES, type Adapter } from './read-adapter'
import { provenanceFiles } from '../plan/provenance'
import { editJsonText } from '../json/edit-json-text'

export interface MergeRequest {
  base: string
  adapters: { dir: string; weight?: number }[]
  out: string
  /** Output dtype for float tensors; 'keep' keeps each base tensor's dtype. */
  dtype?: Dtype | 'keep'
  /** Shard by size; 0 or absent shards like the base. */
  maxShardBytes?: number
  /** Grow the merged embedding and head to this many rows in the same pass (add tokens + merge). */
  resize?: { newSize: number; init: InitStrategy; reason?: string }
  /** Tokenizer files that replace the base's and the adapter's (from an add-tokens edit). */
  tokenizerEdits?: { path: string; content: string; encoding?: 'base64' }[]
}

/** Architectures whose attention/MLP weights are transformers Conv1D, stored (in, out). */
const CONV1D_MODEL_TYPES = new Set(['gpt2', 'openai-gpt', 'imagegpt', 'decision_transformer'])

const LORA_SUFFIXES = ['.lora_A.weight', '.lora_B.weight', '.lora_B.bias', '.lora_embedding_A', '.lora_embedding_B', '.lora_magnitude_vector'] as const
type LoraSuffix = (typeof LORA_SUFFIXES)[number]


/**
 * transformers' `base_model_prefix` per model_type where Hub checkpoints were saved from the bare
 * model (GPT-2's `h.0…`, `wte.weight`) while PEFT wraps the head class and writes `transformer.h.0…`.
 */
const BASE_MODEL_PREFIX: Record<string, string> = {
  gpt2: 'transformer',
  bloom: 'transformer',
  gptj: 'transformer',
  gpt_neo: 'transformer',
  gpt_bigcode: 'transformer',
  codegen: 'transformer',
  falcon: 'transformer',
  mpt: 'transformer',
  'openai-gpt': 'transformer',
  gpt_neox: 'gpt_neox',
  bert: 'bert',
  roberta: 'roberta',
  'xlm-roberta': 'roberta',
  distilbert: 'distilbert',
}

/**
 * transformers ≥ 4.52 `_checkpoint_conversion_mapping` (modeling_qwen2_vl.py, modeling_qwen2_5_vl.py):
 * Hub checkpoints keep `model.layers…` / `visual…`, loaded modules are `model.language_model.layers…` /
 * `model.visual…`, and PEFT saves adapters under the loaded names. Each rule maps a Hub prefix to a
 * loaded prefix; `except` lists Hub-side prefixes the rule leaves alone (the regex's look-ahead).
 */
const CHECKPOINT_RENAMES: Record<string, { hub: string; loaded: string; except?: string[] }[]> = {}
for (const t of ['qwen2_vl', 'qwen2_5_vl'])
  CHECKPOINT_RENAMES[t] = [
    { hub: 'visual.', loaded: 'model.visual.' },
    { hub: 'model.', loaded: 'model.language_model.', except: ['model.language_model.', 'model.visual.'] },
  ]

/** Spellings of `name` under the model type's base_model_prefix and checkpoint renames (both directions). */
function layoutCandidates(names: string[], modelType: string | null | undefined): string[] {
  const out: string[] = []
  const prefix = modelType ? BASE_MODEL_PREFIX[modelType] : undefined
  for (const n of names) {
    if (prefix) out.push(n.startsWith(prefix + '.') ? n.slice(prefix.length + 1) : `${prefix}.${n}`)
    for (const r of (modelType && CHECKPOINT_RENAMES[modelType]) || []) {
      if (n.startsWith(r.loaded)) out.push(r.hub + n.slice(r.loaded.length))
      if (n.startsWith(r.hub) && !(r.except ?? []).some((e) => n.startsWith(e))) out.push(r.loaded + n.slice(r.hub.length))
    }
  }
  return out
}

/**
 * A base saved from the bare model (GPT-2 Hub: `wte.weight`, `h.0…`) cannot also hold head tensors
 * (`lm_head.weight`, `score.weight`): transformers then reads the checkpoint as a bare-model one and
 * refuses the extra keys as a corrupted state dict. When the merge adds such tensors, every base
 * tensor is written under base_model_prefix, the layout the head class's save_pretrained writes.
 */
function prefixBaseTensors(ctx: Ctx): void {
  const prefix = ctx.info.modelType ? BASE_MODEL_PREFIX[ctx.info.modelType] : undefined
  const baseNames = ctx.info.checkpoint.tensors
  if (!prefix || [...baseNames.keys()].some((n) => n.startsWith(prefix + '.'))) return
  const extra = [...ctx.drafts.keys()].filter((n) => !baseNames.has(n))
  if (extra.length === 0) return
  const renamed = new Map<string, TensorDraft>()
  for (const [n, d] of ctx.drafts) {
    const name = baseNames.has(n) ? `${prefix}.${n}` : n
    renamed.set(name, { ...d, name })
  }
  ctx.drafts.clear()
  for (const [n, d] of renamed) ctx.drafts.set(n, d)
  ctx.decisions.push({
    code: 'PREFIXED',
    message: `The base stores its tensors without the "${prefix}." prefix (saved from the bare model), but the output also holds ${extra.join(', ')}. transformers would reject that mix, so every base tensor is written as "${prefix}.<name>", as the head model's save_pretrained does.`,
  })
}

/** Alternative spellings of a tensor name across layouts (LLaVA v4/v5, AutoModel vs *ForCausalLM, base_model_prefix, VLM renames). */
export function nameCandidates(name: string, modelType?: string | null): string[] {
  const c = [name]
  const swap = (from: string, to: string) => {
    if (name.startsWith(from)) c.push(to + name.slice(from.length))
  }
  swap('model.language_model.', 'language_model.model.')
  swap('language_model.model.', 'model.language_model.')
  swap('lm_head.', 'language_model.lm_head.')
  swap('language_model.lm_head.', 'lm_head.')
  swap('model.vision_tower.', 'vision_tower.')
  swap('vision_tower.', 'model.vision_tower.')
  swap('model.multi_modal_projector.', 'multi_modal_projector.')
  swap('multi_modal_projector.', 'model.multi_modal_projector.')
  if (name.startsWith('model.')) c.push(name.slice(6))
  else c.push('model.' + name)
  c.push(...layoutCandidates([name], modelType))
  return c
}

interface Ctx {
  info: ModelInfo
  drafts: Map<string, TensorDraft>
  /** Tied models without a head tensor get a virtual head that is written only if untied. */
  virtualHead: string | null
  decisions: PlanNote[]
  warnings: PlanNote[]
  outDtype: (d: Dtype) => Dtype
  /** The resized base embedding saved by the adapter, which a tied head shares. */
  resizedOriginal: TensorRef | null
  embedTouched: Set<string>
  headTouched: Set<string>
  lastGroup: number
  /** Adapter modules that match no base tensor, reported together. */
  unmatched: string[]
  /** The plan's adapters table, one row per adapter. */
  adapterRows: PlanAdapter[]
}

/** A LoRA scale s = alpha/r (times the weight) above this is almost surely a typo or a hostile config. */
const HUGE_SCALE = 100
/** Weights beyond ±this are far outside what merge recipes use (0–1, occasionally up to 2). */
const USUAL_MAX_WEIGHT = 2

/** Warnings for legal but absurd weights and scales, so the plan does not read "No warnings" for a destroyed model. */
function sanityWarnings(ctx: Ctx, row: PlanAdapter): void {
  const w = row.weight
  if (w === 0) ctx.warnings.push({ code: 'WEIGHT_ZERO', message: `${row.path} has weight 0: its LoRA layers will not change anything; its modules_to_save tensors${row.fullTensors ? ` (${row.fullTensors})` : ''} are still replaced.` })
  else if (w < 0) ctx.warnings.push({ code: 'WEIGHT_NEGATIVE', message: `${row.path} has a negative weight (${w}): its LoRA delta is subtracted from the base.` })
  if (Math.abs(w) > USUAL_MAX_WEIGHT) ctx.warnings.push({ code: 'WEIGHT_HUGE', message: `${row.path} has weight ${w}, far outside 0–${USUAL_MAX_WEIGHT}; the merged model is likely to be broken.` })
  // The scale from the config alone (a huge weight is reported above).
  for (const g of row.groups)
    if (Math.abs(g.scale) > HUGE_SCALE)
      ctx.warnings.push({ code: 'SCALE_HUGE', message: `${row.path}: ${g.modules} module(s) get scale s = alpha/${row.useRslora ? '√r' : 'r'} = ${+g.scale.toPrecision(4)} (alpha ${g.alpha}, r ${g.rank}); usual values are below 10. Check lora_alpha in adapter_config.json.` })
}

function resolve(ctx: Ctx, name: string): string | null {
  for (const c of nameCandidates(name, ctx.info.modelType)) if (ctx.drafts.has(c)) return c
  return null
}

function shapeStr(s: number[]): string {
  return `[${s.join(', ')}]`
}

function touch(ctx: Ctx, target: string, what: string): void {
  if (target === ctx.info.embedName) ctx.embedTouched.add(what)
  if (target === ctx.virtualHead || target === ctx.info.headName) ctx.headTouched.add(what)
}

/** Applies one adapter's full tensors (modules_to_save, saved embeddings, biases): they replace base tensors first. */
function applyFullTensors(ctx: Ctx, ad: Adapter, ai: number): void {
  const keys = [...ad.tensors.keys()].filter((k) => !LORA_SUFFIXES.some((s) => k.endsWith(s)) && !k.endsWith('trainable_tokens_delta'))
  const plain = new Set(keys.filter((k) => !/\.(modules_to_save|original_module)\./.test(k)))
  for (const key of keys) {
    const ref = ad.tensors.get(key)!
    if (key.includes('.modules_to_save.')) continue // PEFT's loader ignores these keys
    const isOriginal = key.includes('.original_module.')
    const stripped = key.replace(/\.(base_layer|token_adapter|original_module)\./g, '.')
    const isBaseLayer = /\.(base_layer|original_module)\./.test(key)
    if (isOriginal && plain.has(stripped)) {
      // The untouched original next to a trained copy: only a tied head may need it (resized vocab).
      if (resolve(ctx, stripped) === ctx.info.embedName) ctx.resizedOriginal = ref
      continue
    }
    const target = resolve(ctx, stripped)
    if (!target) {
      // A module not present in the base (e.g. score.weight for sequence classification): add it.
      if (!isFloatDtype(ref.dtype)) throw new GraftError('ADAPTER_MISMATCH', `Adapter tensor "${key}" has no counterpart in the base and dtype ${ref.dtype}.`, { file: ad.dir, tensor: key })
      const d = ctx.outDtype(ctx.info.dtype as Dtype)
      ctx.drafts.set(stripped, { name: stripped, dtype: d, shape: ref.shape, source: ref, sourceRole: 'adapter', group: ctx.lastGroup, note: `new tensor from ${ad.dir} (not in the base)` })
      ctx.decisions.push({ code: 'ADDED_TENSOR', message: `${stripped} is not in the base; it is added from the adapter (modules_to_save).` })
      ctx.adapterRows[ai].fullTensors++
      continue
    }
    const draft = ctx.drafts.get(target)!
    const isVocab = target === ctx.info.embedName || target === ctx.virtualHead || target === ctx.info.headName
    if (isVocab && ref.shape.length === draft.shape.length && ref.shape[0] < draft.shape[0])
      throw new GraftError('SHAPE_MISMATCH', `Adapter tensor "${key}" has ${ref.shape[0]} rows but the base's ${target} has ${draft.shape[0]}: merging it would shrink the vocabulary and leave tokens ${ref.shape[0]}…${draft.shape[0] - 1} without an embedding.`, {
        file: ad.dir,
        tensor: key,
        hint: 'This adapter was trained on a base with a smaller vocabulary; choose the base it names in adapter_config.json (base_model_name_or_path).',
      })
    if (shapeStr(ref.shape) !== shapeStr(draft.shape)) {
      const sameTrailing = ref.shape.length === draft.shape.length && ref.shape.slice(1).join() === draft.shape.slice(1).join()
      if (!(isVocab && sameTrailing))
        throw new GraftError('SHAPE_MISMATCH', `Adapter tensor "${key}" has shape ${shapeStr(ref.shape)} but base tensor "${target}" has ${shapeStr(draft.shape)}.`, {
          file: ad.dir,
          tensor: key,
          hint: 'This adapter was trained on a different base model; choose the base it names in adapter_config.json.',
        })
    }
    if (isBaseLayer && target === ctx.info.embedName) ctx.resizedOriginal = ref
    if (!isFloatDtype(draft.dtype) && ref.dtype !== draft.dtype)
      throw new GraftError('DTYPE_MISMATCH', `Adapter tensor "${key}" is ${ref.dtype} but "${target}" is ${draft.dtype}.`, { file: ad.dir, tensor: key })
    draft.source = ref
    draft.sourceRole = 'adapter'
    draft.shape = [...ref.shape]
    draft.note = `replace from ${key} (${isBaseLayer ? 'saved base layer' : 'modules_to_save / saved tensor'})`
    ctx.adapterRows[ai].fullTensors++
    touch(ctx, target, isBaseLayer ? 'saved-base-layer' : 'replace')
  }
}

function applyLoraModules(ctx: Ctx, ad: Adapter, ai: number, weight: number): void {
  const modules = new Map<string, Partial<Record<LoraSuffix, TensorRef>>>()
  for (const [k, ref] of ad.tensors) {
    const suf = LORA_SUFFIXES.find((s) => k.endsWith(s))
    if (!suf) continue
    const path = k.slice(0, -suf.length)
    if (!modules.has(path)) modules.set(path, {})
    modules.get(path)![suf] = ref
  }
  const cfg = ad.config
  const rankMismatch: string[] = []
  for (const [path, parts] of modules) {
    const target = resolve(ctx, path + '.weight')
    if (!target) {
      ctx.unmatched.push(`${path} (in ${ad.dir})`)
      continue
    }
    const draft = ctx.drafts.get(target)!
    const isEmb = !!parts['.lora_embedding_A'] || !!parts['.lora_embedding_B']
    const a = isEmb ? parts['.lora_embedding_A'] : parts['.lora_A.weight']
    const b = isEmb ? parts['.lora_embedding_B'] : parts['.lora_B.weight']
    if (!a || !b) {
      const initFalse = cfg.initLoraWeights === false
      if (initFalse) throw new GraftError('UNSUPPORTED_ADAPTER', `Module ${path} has only one LoRA factor saved and init_lora_weights is false, so PEFT would use random values for the other.`, { file: ad.dir, tensor: path })
      ctx.warnings.push({ code: 'MISSING_LORA_FACTOR', message: `Module ${path} lacks ${a ? 'lora_B' : 'lora_A'}; PEFT initialises it to zero, so the delta is zero and the module is left unchanged.` })
      continue
    }
    if (a.shape.length !== 2 || b.shape.length !== 2) {
      throw new GraftError('UNSUPPORTED_ADAPTER', `Module ${path} has ${a.shape.length}-D LoRA factors (a convolution); Graft merges Linear, Conv1D and Embedding LoRA only.`, { file: ad.dir, tensor: path })
    }
    if (!isFloatDtype(a.dtype) || !isFloatDtype(b.dtype) || !isFloatDtype(draft.dtype))
      throw new GraftError('DTYPE_MISMATCH', `Module ${path}: LoRA factors (${a.dtype}, ${b.dtype}) or base (${draft.dtype}) are not float tensors.`, { file: ad.dir, tensor: path })
    const r = a.shape[0]
    if (b.shape[1] !== r) throw new GraftError('SHAPE_MISMATCH', `Module ${path}: lora_A has rank ${r} but lora_B has ${b.shape[1]} columns.`, { file: ad.dir, tensor: path })
    const W = draft.shape
    let kind: LoraTerm['kind']
    if (isEmb) {
      kind = 'embedding'
      if (W.length !== 2 || a.shape[1] !== W[0] || b.shape[0] !== W[1])
        throw new GraftError('SHAPE_MISMATCH', `Embedding LoRA ${path}: A ${shapeStr(a.shape)} and B ${shapeStr(b.shape)} do not fit the base ${shapeStr(W)}.`, {
          file: ad.dir,
          tensor: path,
          hint: a.shape[1] > W[0] ? 'The vocabulary was resized in training but the adapter did not save the resized embedding; resize the base the same way first.' : undefined,
        })
    } else {
      const fitsLinear = W.length === 2 && b.shape[0] === W[0] && a.shape[1] === W[1]
      const fitsConv1d = W.length === 2 && b.shape[0] === W[1] && a.shape[1] === W[0]
      const conv1dModel = CONV1D_MODEL_TYPES.has(ctx.info.modelType ?? '') && !/lm_head|score|classifier/.test(path)
      if (conv1dModel && fitsConv1d) kind = 'conv1d'
      else if (fitsLinear) kind = 'linear'
      else if (fitsConv1d) kind = 'conv1d'
      else
        throw new GraftError('SHAPE_MISMATCH', `LoRA ${path}: A ${shapeStr(a.shape)} and B ${shapeStr(b.shape)} do not fit the base weight ${shapeStr(W)}.`, {
          file: ad.dir,
          tensor: path,
          hint: 'The adapter was trained on a model of another size; choose the base it names in adapter_config.json.',
        })
      if (kind === 'conv1d' && !cfg.fanInFanOut) ctx.warnings.push({ code: 'FAN_IN_FAN_OUT', message: `${path} is a Conv1D layer; merged with the transposed delta as PEFT does (fan_in_fan_out is decided by layer type).` })
    }
    const alpha = matchPattern(cfg.alphaPattern, path) ?? cfg.loraAlpha
    const scale = cfg.useRslora ? alpha / Math.sqrt(r) : alpha / r
    const scaling = scale * weight
    const row = ctx.adapterRows[ai]
    const group = row.groups.find((g) => g.rank === r && g.alpha === alpha)
    if (group) group.modules++
    else row.groups.push({ rank: r, alpha, scale, modules: 1 })
    const patternRank = matchPattern(cfg.rankPattern, path)
    const configRank = patternRank ?? cfg.r
    if (configRank !== r) rankMismatch.push(`${path} (tensors r=${r}, config ${patternRank !== undefined ? 'rank_pattern' : 'r'}=${configRank})`)
    const term: LoraTerm = { adapter: ai, kind, a, b, rank: r, alpha, scaling, rounding: kind === 'embedding' ? 'double' : 'single' }
    if (draft.dora) throw new GraftError('UNSUPPORTED_ADAPTER', `${target} already has a DoRA rescale from another adapter; DoRA adapters cannot be stacked in one merge.`, { tensor: target })
    draft.lora = [...(draft.lora ?? []), term]
    touch(ctx, target, 'lora')
    if (parts['.lora_magnitude_vector']) {
      const m = parts['.lora_magnitude_vector']
      const n = m.shape.reduce((x, y) => x * y, 1)
      const normAxis = kind === 'linear' ? 'row' : 'column'
      const expected = kind === 'linear' ? W[0] : W[1]
      if (n !== expected) throw new GraftError('SHAPE_MISMATCH', `DoRA magnitude of ${path} has ${n} values, expected ${expected}.`, { file: ad.dir, tensor: path })
      draft.dora = { adapter: ai, magnitude: m, normAxis }
      // PEFT's DoRA merge adds the fp32 delta unrounded (even for embeddings) and casts once at the end.
      term.rounding = 'single'
    }
    if (parts['.lora_B.bias']) {
      const biasName = resolve(ctx, path + '.bias')
      if (!biasName) throw new GraftError('ADAPTER_MISMATCH', `Adapter has lora_B.bias for ${path}, but the base layer has no bias to merge it into.`, { file: ad.dir, tensor: path })
      const bd = ctx.drafts.get(biasName)!
      bd.biasTerms = [...(bd.biasTerms ?? []), { adapter: ai, bias: parts['.lora_B.bias'], scaling }]
    }
  }
  if (rankMismatch.length)
    ctx.warnings.push({
      code: 'RANK_MISMATCH',
      message: `${ad.dir}: the rank in adapter_config.json disagrees with the saved tensors for ${rankMismatch.length} module(s): ${rankMismatch.slice(0, 3).join(', ')}${rankMismatch.length > 3 ? ', …' : ''}. PEFT would refuse to load this adapter; Graft merges with the tensors' rank.`,
    })
  // Stacking DoRA with more LoRA after it would change the norm; refuse rather than guess.
  for (const d of ctx.drafts.values()) {
    if (d.dora && d.lora && d.lora[d.lora.length - 1].adapter !== d.dora.adapter)
      throw new GraftError('UNSUPPORTED_ADAPTER', `${d.name}: a DoRA adapter cannot be combined with another adapter on the same layer.`, { tensor: d.name })
  }
}

function applyTrainableTokens(ctx: Ctx, ad: Adapter): void {
  for (const [k, ref] of ad.tensors) {
    if (!k.endsWith('trainable_tokens_delta')) continue
    const modPath = k.slice(0, -'.trainable_tokens_delta'.length).replace(/\.token_adapter$/, '')
    const target = resolve(ctx, modPath + '.weight')
    if (!target) throw new GraftError('ADAPTER_MISMATCH', `Trainable tokens for ${modPath} match no base tensor.`, { file: ad.dir, tensor: k })
    const isEmbed = target === ctx.info.embedName
    const entry =
      ad.config.trainableTokens.find((t) => t.module !== null && (modPath === t.module || modPath.endsWith('.' + t.module))) ??
      (isEmbed ? ad.config.trainableTokens.find((t) => t.module === null || /embed_tokens|wte/.test(t.module)) : undefined)
    if (!entry) throw new GraftError('UNSUPPORTED_ADAPTER', `The adapter saved trainable tokens for ${modPath}, but adapter_config.json does not list their indices.`, { file: ad.dir, tensor: k })
    if (ref.shape[0] !== entry.indices.length) throw new GraftError('SHAPE_MISMATCH', `${k} has ${ref.shape[0]} rows but trainable_token_indices lists ${entry.indices.length}.`, { file: ad.dir, tensor: k })
    const draft = ctx.drafts.get(target)!
    for (const i of entry.indices) if (i >= draft.shape[0]) throw new GraftError('SHAPE_MISMATCH', `Trainable token index ${i} is outside ${target} (${draft.shape[0]} rows).`, { file: ad.dir, tensor: k })
    draft.setRows = [...(draft.setRows ?? []), { rows: entry.indices, from: { tensor: ref } }]
    touch(ctx, target, entry.module === null ? 'tokens-list' : 'tokens')
  }
}

function sameRecipe(a: TensorDraft, b: TensorDraft): boolean {
  return JSON.stringify([a.source, a.lora, a.setRows, a.dora]) === JSON.stringify([b.source, b.lora, b.setRows, b.dora])
}

/**
 * Plans a merge of one or more LoRA adapters into a base model, from headers and configs only.
 * Full tensors from adapters replace base tensors first; then LoRA terms are added per adapter in
 * order (each with its weight); trainable-token rows are set; tied embeddings are untied when the
 * merged input embedding and output head would differ.
 */
export async function planMerge(req: MergeRequest): Promise<Plan> {
  const info = await readModelInfo(req.base)
  if (info.quantized)
    throw new GraftError('UNSUPPORTED_MODEL', `${req.base} is a quantized model (config.json has quantization_config).`, {
      file: req.base,
      hint: 'Merge into the unquantized original model instead; merging into quantized weights is lossy.',
    })
  const weightFiles = info.checkpoint.files.map((f) => basename(f))
  // diffusers folders (a UNet, say) load their weights by their own file name: the output keeps it.
  const weightsPrefix = weightsPrefixOf(weightFiles)
  if (req.adapters.length === 0) throw new GraftError('BAD_REQUEST', 'No adapter was given.', { hint: 'Pass at least one --adapter DIR.' })
  for (const a of req.adapters)
    if (a.weight !== undefined && !Number.isFinite(a.weight)) throw new GraftError('BAD_REQUEST', `The weight of adapter ${a.dir} is ${a.weight}; it must be a finite number.`, { file: a.dir, hint: 'Give a weight such as 1 or 0.5 (DIR:WEIGHT on the command line).' })
  const adapters = await Promise.all(req.adapters.map((a) => readAdapter(a.dir)))
  const dtypeChoice = req.dtype ?? 'keep'
  const outDtype = (d: Dtype): Dtype => (dtypeChoice !== 'keep' && isFloatDtype(d) ? dtypeChoice : d)
  const drafts = new Map<string, TensorDraft>()
  const fileIndex = new Map(info.checkpoint.files.map((f, i) => [f, i]))
  for (const [name, ref] of info.checkpoint.tensors) {
    drafts.set(name, { name, dtype: outDtype(ref.dtype), shape: [...ref.shape], source: ref, sourceRole: 'base', group: fileIndex.get(ref.file) ?? 0 })
  }
  const ctx: Ctx = {
    info,
    drafts,
    virtualHead: null,
    decisions: [],
    warnings: [],
    outDtype,
    resizedOriginal: null,
    embedTouched: new Set(),
    headTouched: new Set(),
    lastGroup: Math.max(0, info.checkpoint.files.length - 1),
    unmatched: [],
    adapterRows: adapters.map((ad, i) => ({ path: ad.dir, weight: req.adapters[i].weight ?? 1, configR: ad.config.r, loraAlpha: ad.config.loraAlpha, useRslora: ad.config.useRslora, useDora: ad.config.useDora, groups: [], fullTensors: 0 })),
  }
  // A tied model's head is the embedding (transformers re-ties on load, even over a head tensor in the file).
  const fileHead = info.tied && info.headName ? drafts.get(info.headName)! : null
  if (info.tied && info.embedName) {
    const e = drafts.get(info.embedName)!
    ctx.virtualHead = info.headName ?? info.headWriteName!
    drafts.set(ctx.virtualHead, { ...e, name: ctx.virtualHead, shape: [...e.shape], group: fileHead?.group ?? e.group, note: 'tied head (virtual until untied)' })
    if (fileHead && info.tieFlag === null)
      ctx.decisions.push({ code: 'TIED_BY_DEFAULT', message: `Tied: ${info.tieReason}. Graft merges as PEFT does on the loaded model: the head is the embedding.` })
  }
  adapters.forEach((ad, i) => applyFullTensors(ctx, ad, i))
  adapters.forEach((ad, i) => applyLoraModules(ctx, ad, i, req.adapters[i].weight ?? 1))
  adapters.forEach((ad) => applyTrainableTokens(ctx, ad))
  ctx.adapterRows.forEach((row) => sanityWarnings(ctx, row))
  if (ctx.unmatched.length > 0) {
    const shown = ctx.unmatched.slice(0, 8).join(', ')
    throw new GraftError('ADAPTER_MISMATCH', `${ctx.unmatched.length} adapter module(s) match no tensor of ${info.dir}: ${shown}${ctx.unmatched.length > 8 ? ', …' : ''}.`, {
      file: info.dir,
      hint: 'The adapter was trained on another architecture or key layout; check base_model_name_or_path in adapter_config.json.',
    })
  }

  // Tied embeddings: keep tied only when the merged embedding and head are the same function.
  let untie = false
  const configEdits: JsonObject = {}
  if (info.tied && info.embedName) {
    const embed = drafts.get(info.embedName)!
    const headName = ctx.virtualHead ?? info.headName!
    const head = drafts.get(headName)!
    const ensure = adapters.some((a) => a.config.ensureWeightTying)
    const tokensOnlyList = [...ctx.embedTouched].every((w) => w === 'tokens-list') && ctx.headTouched.size === 0
    if (ctx.embedTouched.size === 0 && ctx.headTouched.size === 0) {
      ctx.decisions.push({ code: 'TIED_KEPT', message: 'The base ties its input embedding and output head, and no adapter changes either, so the output stays tied.' })
    } else if (ensure || tokensOnlyList) {
      // The head follows the embedding (PEFT's ensure_weight_tying, or trainable tokens in list form).
      Object.assign(head, { ...embed, name: headName, group: head.group })
      ctx.decisions.push({
        code: 'TIED_KEPT',
        message: ensure
          ? 'The adapter was trained with ensure_weight_tying, so the embedding and head stay one tensor; the head follows the merged embedding (its LoRA copy is the same delta and is added once).'
          : 'Trainable tokens change rows of the shared embedding, which the tied head follows; the output stays tied.',
      })
    } else if (!sameRecipe(embed, head)) {
      untie = true
      if (ctx.virtualHead && ctx.resizedOriginal && head.sourceRole === 'base') {
        head.source = ctx.resizedOriginal
        head.sourceRole = 'adapter'
        head.shape = [...ctx.resizedOriginal.shape]
        head.note = 'tied head: the resized base embedding saved with the adapter'
      }
      const what = [...new Set([...ctx.embedTouched].map((w) => `embedding: ${w}`).concat([...ctx.headTouched].map((w) => `head: ${w}`)))].join(', ')
      ctx.decisions.push({
        code: 'UNTIED',
        message: `The base ties ${info.embedName} and the output head, but the adapter changes them differently (${what}). Merging both into one shared tensor would change what the model computes (the "merged model speaks gibberish" bug), so Graft writes ${headName} explicitly and sets ${info.tieConfigPath.join('.')}=false.`,
      })
    }
    if (!untie && ctx.virtualHead) {
      // Tied output: no head tensor, or the file's own one kept byte for byte when nothing changed.
      if (!fileHead) drafts.delete(ctx.virtualHead)
      else if (ctx.embedTouched.size === 0 && ctx.headTouched.size === 0) drafts.set(ctx.virtualHead, fileHead)
    }
    if (untie) {
      configEdits.tie_word_embeddings = false
      const h = drafts.get(headName)!
      h.note = h.note ?? 'untied head'
    }
  }
  // Optional growth in the same pass (add tokens + merge): new rows from the merged source rows' statistic.
  const stats: RowStat[] = []
  if (req.resize && info.embedName) {
    const names = [info.embedName, ...(info.headName ? [info.headName] : untie && ctx.virtualHead ? [ctx.virtualHead] : [])]
    for (const name of names) {
      const d = drafts.get(name)!
      const rows = d.shape[0]
      if (req.resize.newSize < rows) throw new GraftError('BAD_REQUEST', `Cannot grow ${name} to ${req.resize.newSize} rows: after merging it already has ${rows}.`, { tensor: name })
      if (req.resize.newSize === rows || !d.source) continue
      d.newRows = { from: rows, init: initFor(req.resize.init, d.source, rows, req.resize.newSize - rows, stats) }
      d.shape = [req.resize.newSize, ...d.shape.slice(1)]
      if (d.lora?.length) ctx.warnings.push({ code: 'INIT_BEFORE_LORA', message: `${name} also gets an embedding LoRA delta; its new rows are initialised from the rows before that delta.` })
    }
    ctx.decisions.push({ code: 'RESIZED', message: `${names.join(' and ')} grow to ${req.resize.newSize} rows in the same pass (${req.resize.init.kind})${req.resize.reason ? `: ${req.resize.reason}` : ''}.` })
  }
  // The embedding's saved copies (T5 encoder/decoder.embed_tokens) are the same parameter: they follow it.
  if (info.embedName && (ctx.embedTouched.size > 0 || req.resize))
    for (const c of info.embedCopies) drafts.set(c, { ...drafts.get(info.embedName)!, name: c, group: drafts.get(c)!.group, note: `the same parameter as ${info.embedName}` })
  // Vocabulary: the embedding and head must agree; config.vocab_size follows the rows.
  const embedRows = info.embedName ? drafts.get(info.embedName)!.shape[0] : null
  const headName = info.headName ?? (untie ? ctx.virtualHead : null)
  const headRows = headName && drafts.has(headName) ? drafts.get(headName)!.shape[0] : null
  if (embedRows !== null && headRows === null && !info.tied && embedRows !== info.checkpoint.tensors.get(info.embedName!)!.shape[0])
    throw new GraftError('UNSUPPORTED_MODEL', `The merge grows ${info.embedName} to ${embedRows} rows, but ${info.dir} is untied (${info.tieReason}) and Graft found no output head to grow with it.`, {
      file: info.dir,
      hint: 'The output would not load. Graft looks for lm_head, output, output_layer or embed_out (.weight) beside the embedding.',
    })
  if (embedRows !== null && headRows !== null && embedRows !== headRows) {
    throw new GraftError('SHAPE_MISMATCH', `After merging, ${info.embedName} has ${embedRows} rows but ${headName} has ${headRows}.`, {
      hint:
        embedRows > headRows
          ? `The adapter grew the vocabulary of the embedding only; the head's ${embedRows - headRows} new rows were initialised randomly in training and were not saved, so the merge cannot be reproduced. Save the adapter with the head in modules_to_save (or save_embedding_layers=True).`
          : 'The adapter grew the head only; resize the embedding first.',
    })
  }
  if (embedRows !== null && info.vocabSize !== null && embedRows !== info.vocabSize) {
    configEdits.vocab_size = embedRows
    ctx.decisions.push({
      code: 'VOCAB_RESIZED',
      message:
        embedRows > info.vocabSize
          ? `The vocabulary grows from ${info.vocabSize} to ${embedRows} rows (the adapter carries embeddings with ${embedRows} rows). The output sets config ${info.vocabConfigPath.join('.')}=${embedRows}, as resize_token_embeddings before loading the adapter would.`
          : `config ${info.vocabConfigPath.join('.')} says ${info.vocabSize} but the merged embedding has ${embedRows} rows; the output sets it to ${embedRows}.`,
    })
  }
  prefixBaseTensors(ctx)
  const jsonEdits: { path: string[]; value: unknown }[] = []
  if (configEdits.tie_word_embeddings === false) {
    // Where transformers reads it (text_config of composite models, created if absent), and at the top.
    jsonEdits.push({ path: info.tieConfigPath, value: false })
    if (info.tieConfigPath.length > 1) jsonEdits.push({ path: ['tie_word_embeddings'], value: false })
  }
  if (typeof configEdits.vocab_size === 'number') for (const path of info.vocabConfigPaths) jsonEdits.push({ path, value: configEdits.vocab_size })
  if (dtypeChoice !== 'keep') {
    const name = dtypeChoice === 'BF16' ? 'bfloat16' : dtypeChoice === 'F16' ? 'float16' : 'float32'
    if ('torch_dtype' in info.config) jsonEdits.push({ path: ['torch_dtype'], value: name })
    if ('dtype' in info.config || !('torch_dtype' in info.config)) jsonEdits.push({ path: ['dtype'], value: name })
  }
  const configText = editJsonText(info.configText, jsonEdits, join(info.dir, 'config.json'))
  // Files: config.json (edited), other base files, the adapter's tokenizer if it has one.
  const files: FileEdit[] = [{ kind: 'write', path: 'config.json', content: configText, reason: 'base config.json' + (Object.keys(configEdits).length ? ` with ${Object.keys(configEdits).join(', ')} updated` : '') }]
  const tokEdits = req.tokenizerEdits ?? []
  const tokenizerFrom = adapters.find((a) => a.tokenizerFiles.includes('tokenizer.json') || a.tokenizerFiles.includes('tokenizer_config.json'))
  files.push(...(await copyModelFiles({ dir: info.dir, skip: ['config.json', 'README.md', ...(tokenizerFrom ? TOKENIZER_FILES : []), ...tokEdits.map((f) => f.path)], reason: 'copied from the base', warnings: ctx.warnings })))
  for (const f of tokEdits) files.push({ kind: 'write', path: f.path, content: f.content, encoding: f.encoding, reason: 'edited tokenizer file (tokens added)' })
  if (tokenizerFrom) {
    for (const f of tokenizerFrom.tokenizerFiles) if (!tokEdits.some((e) => e.path === f)) files.push({ kind: 'copy', from: join(tokenizerFrom.dir, f), path: f, reason: 'the adapter\'s tokenizer (it wins over the base\'s)' })
    ctx.decisions.push({ code: 'TOKENIZER_FROM_ADAPTER', message: `Tokenizer files come from the adapter ${tokenizerFrom.dir}, which carries its own (${tokenizerFrom.tokenizerFiles.join(', ')}).` })
  }
  for (const d of drafts.values()) {
    if (d.source && d.source.dtype !== d.dtype && !isFloatDtype(d.source.dtype)) throw new GraftError('DTYPE_MISMATCH', `Cannot convert ${d.name} from ${d.source.dtype} to ${d.dtype}.`, { tensor: d.name })
  }
  const inputs: Plan['inputs'] = [{ role: 'base', path: info.dir }, ...req.adapters.map((a) => ({ role: 'adapter' as const, path: a.dir, weight: a.weight ?? 1 }))]
  const plan = finishPlan({
    operation: 'merge',
    title: `Merge ${adapters.length} adapter${adapters.length > 1 ? 's' : ''} into ${info.dir}`,
    inputs,
    outDir: req.out,
    dtype: dtypeChoice,
    maxShardBytes: req.maxShardBytes,
    metadata: { format: 'pt' },
    drafts: [...drafts.values()],
    stats,
    files,
    decisions: ctx.decisions,
    warnings: ctx.warnings,
    weightsPrefix,
  })
  if (weightsPrefix !== 'model')
    plan.decisions.push({ code: 'WEIGHTS_NAME_KEPT', message: `The weights keep their file name ${weightsPrefix}.safetensors${plan.output.indexed ? ' (with its index)' : ''}, which ${typeof info.config._class_name === 'string' ? `diffusers (${info.config._class_name})` : 'the library that wrote them'} loads by name.` })
  plan.adapters = ctx.adapterRows
  plan.files.push(...(await provenanceFiles({ plan, adapters: adapters.map((a) => ({ dir: a.dir, config: a.config.raw })), baseReadme: join(info.dir, 'README.md') })))
  return plan
}

