import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TensorRef } from '../../shared/plan'
import { GraftError } from '../errors'
import { inputKind } from '../exec/read-input-file'
import { openCheckpoint, pathExists, readJsonFile, type Checkpoint } from '../safetensors/open-checkpoint'
import type { JsonObject } from '../model/read-model-info'

/** The adapter_config.json fields Graft acts on (PEFT LoRA, every version seen in the wild). */
export interface AdapterConfig {
  peftType: 'LORA' | 'TRAINABLE_TOKENS'
  r: number
  loraAlpha: number
  useRslora: boolean
  useDora: boolean
  loraBias: boolean
  fanInFanOut: boolean
  rankPattern: Record<string, number>
  alphaPattern: Record<string, number>
  modulesToSave: string[]
  /** Module-name suffix -> token indices; a list in the file means the input embedding (key ''). */
  trainableTokens: { module: string | null; indices: number[] }[]
  ensureWeightTying: boolean
  initLoraWeights: unknown
  baseModel: string | null
  targetModules: unknown
  raw: JsonObject
}

export interface Adapter {
  dir: string
  config: AdapterConfig
  checkpoint: Checkpoint
  /** Tensor names with the `base_model.model.` prefix and `_orig_mod.` segments removed. */
  tensors: Map<string, TensorRef>
  /** Tokenizer files the adapter folder carries (they win over the base's). */
  tokenizerFiles: string[]
}

/** init_lora_weights values that rewrite the base weights on load: the merge cannot be reproduced. */
const BASE_REWRITING_INITS = /^(pissa|olora|corda|lora_ga|loftq)/i
const REFUSED_VARIANTS = ['arrow_config', 'alora_invocation_tokens', 'use_qalora', 'kasa_config', 'use_bdlora', 'megatron_config'] as const
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'tokenizer.model', 'vocab.json', 'merges.txt', 'chat_template.jinja', 'chat_template.json']

export function parseAdapterConfig(raw: JsonObject, file: string): AdapterConfig {
  const refuse = (what: string, why: string, hint?: string) =>
    new GraftError('UNSUPPORTED_ADAPTER', `${file}: ${what} — ${why}`, { file, hint: hint ?? 'Merge this adapter with PEFT itself, or convert it to a plain LoRA first.' })
  const peftType = raw.peft_type
  if (peftType !== 'LORA' && peftType !== 'TRAINABLE_TOKENS') throw refuse(`peft_type is ${JSON.stringify(peftType)}`, 'Graft merges LoRA (and trainable-token) adapters only.')
  const init = raw.init_lora_weights
  if (typeof init === 'string' && BASE_REWRITING_INITS.test(init))
    throw refuse(`init_lora_weights is "${init}"`, 'this init rewrites the base weights (an SVD/QR of the base) every time the adapter is loaded, so the merged result cannot be reproduced exactly.', 'Convert it to a plain LoRA with PEFT (save_pretrained with path_initial_model_for_weight_conversion), then merge that.')
  if (raw.layer_replication) throw refuse('layer_replication is set', 'replicated layers share base weights, so a per-layer merge would add several deltas to one tensor and change the layer count.')
  for (const v of REFUSED_VARIANTS) {
    const val = raw[v]
    if (val !== undefined && val !== null && val !== false) throw refuse(`${v} is set`, 'this LoRA variant has its own merge arithmetic that Graft does not implement.')
  }
  if (raw.target_parameters && Array.isArray(raw.target_parameters) && raw.target_parameters.length > 0)
    throw refuse('target_parameters is set', 'LoRA on raw parameters (MoE experts) is not supported yet.')
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d)
  const dict = (v: unknown): Record<string, number> => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {}
    const out: Record<string, number> = {}
    for (const [k, x] of Object.entries(v as JsonObject)) if (typeof x === 'number') out[k] = x
    return out
  }
  let modulesToSave: string[] = Array.isArray(raw.modules_to_save) ? (raw.modules_to_save as unknown[]).filter((x): x is string => typeof x === 'string') : []
  if (raw.task_type === 'SEQ_CLS') modulesToSave = [...new Set([...modulesToSave, 'classifier', 'score'])]
  const trainableTokens: AdapterConfig['trainableTokens'] = []
  const tti = peftType === 'TRAINABLE_TOKENS' ? raw.token_indices : raw.trainable_token_indices
  if (Array.isArray(tti)) {
    const mod = peftType === 'TRAINABLE_TOKENS' && Array.isArray(raw.target_modules) && raw.target_modules.length === 1 ? String(raw.target_modules[0]) : null
    trainableTokens.push({ module: mod, indices: tti.map(Number) })
  } else if (tti && typeof tti === 'object') {
    for (const [m, idx] of Object.entries(tti as JsonObject)) if (Array.isArray(idx)) trainableTokens.push({ module: m, indices: idx.map(Number) })
  }
  for (const tt of trainableTokens) {
    if (!tt.indices.every((i) => Number.isSafeInteger(i) && i >= 0)) throw refuse('trainable_token_indices has invalid entries', 'indices must be non-negative integers.')
    if (new Set(tt.indices).size !== tt.indices.length) throw refuse('trainable_token_indices has duplicates', 'PEFT leaves the result of duplicate indices undefined.')
  }
  return {
    peftType,
    r: num(raw.r, 8),
    loraAlpha: num(raw.lora_alpha, 8),
    useRslora: raw.use_rslora === true,
    useDora: raw.use_dora === true,
    loraBias: raw.lora_bias === true,
    fanInFanOut: raw.fan_in_fan_out === true,
    rankPattern: dict(raw.rank_pattern),
    alphaPattern: dict(raw.alpha_pattern),
    modulesToSave,
    trainableTokens,
    ensureWeightTying: raw.ensure_weight_tying === true,
    initLoraWeights: init,
    baseModel: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null,
    targetModules: raw.target_modules,
    raw,
  }
}

/** Strips PEFT's wrapper prefix (`base_model.model.`) and torch.compile's `_orig_mod.` segments. */
export function normalizeAdapterKey(key: string): string {
  let k = key.startsWith('base_model.model.') ? key.slice('base_model.model.'.length) : key
  k = k.replace(/(^|\.)_orig_mod\./g, '$1')
  return k
}

export async function readAdapter(dir: string): Promise<Adapter> {
  const cfgPath = join(dir, 'adapter_config.json')
  if (!(await pathExists(cfgPath))) throw new GraftError('NOT_A_MODEL', `${dir} has no adapter_config.json, so it is not a PEFT adapter.`, { file: dir, hint: 'Choose the folder PeftModel.save_pretrained wrote.' })
  const raw = await readJsonFile(cfgPath, { code: 'NOT_A_MODEL' })
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new GraftError('BAD_CONFIG', `${cfgPath} is not a JSON object.`, { file: cfgPath })
  const config = parseAdapterConfig(raw as JsonObject, cfgPath)
  const entries = await readdir(dir)
  if (!entries.includes('adapter_model.safetensors')) {
    const bin = entries.includes('adapter_model.bin')
    throw new GraftError(bin ? 'UNSUPPORTED_ADAPTER' : 'NOT_A_MODEL', `${dir} has no adapter_model.safetensors${bin ? ' (only adapter_model.bin, a pickle)' : ''}.`, {
      file: dir,
      hint: bin ? 'Graft never unpickles files. Re-save the adapter with a PEFT version ≥ 0.7 (safetensors is the default), or convert the .bin to safetensors.' : 'Choose the folder PeftModel.save_pretrained wrote.',
    })
  }
  const checkpoint = await openCheckpoint({ dir, weightsName: 'adapter_model.safetensors' })
  const tensors = new Map<string, TensorRef>()
  for (const [k, v] of checkpoint.tensors) {
    const nk = normalizeAdapterKey(k)
    if (tensors.has(nk)) throw new GraftError('ADAPTER_MISMATCH', `${dir}: two adapter tensors map to "${nk}".`, { file: dir, tensor: k })
    tensors.set(nk, v)
  }
  // Only regular files (or links to them) are tokenizer files: a folder or pipe of that name is never copied.
  const tokenizerFiles: string[] = []
  for (const e of entries) if (TOKENIZER_FILES.includes(e) && (await inputKind(join(dir, e))).kind === 'file') tokenizerFiles.push(e)
  return { dir, config, checkpoint, tensors, tokenizerFiles }
}

/**
 * PEFT's per-module pattern lookup (get_pattern_key): the first key, in JSON order, for which
 * `re.match(rf"(.*\.)?({key})$", modulePath)` succeeds.
 */
export function matchPattern(pattern: Record<string, number>, modulePath: string): number | undefined {
  for (const [k, v] of Object.entries(pattern)) {
    let re: RegExp
    try {
      re = new RegExp(`^(.*\\.)?(${k})$`)
    } catch {
      throw new GraftError('UNSUPPORTED_ADAPTER', `The rank/alpha pattern ${JSON.stringify(k)} is not a regular expression JavaScript understands.`, { hint: 'Rewrite the pattern without Python-only regex syntax.' })
    }
    if (re.test(modulePath)) return v
  }
  return undefined
}
