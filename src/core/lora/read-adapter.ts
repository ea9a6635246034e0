import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TensorRef } from '../../shared/plan'
import { GraftError } from '../errors'
import { inputKind } from '../exec/read-input-file'
import { openCheckpoint, pathExists, readJsonFile, type Checkpoint } from '../safetensors/open-checkpoint'
import type { JsonObject } from '../model/read-model-info'
import { compileSafeRegex, type SafeRegex } from './compile-safe-regex'

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
  targetModules: string[] | string | null
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

/** LoRA files written by other trainers (MLX-LM, JAX/qwix, custom): named so the refusal says what they are. */
function describeForeignLora(raw: JsonObject): { what: string; hint: string } | null {
  if ('lora_parameters' in raw || 'fine_tune_type' in raw)
    return {
      what: 'an MLX-LM LoRA (adapter_config.json with lora_parameters / fine_tune_type, weights in adapters.safetensors)',
      hint: 'Fuse it with MLX-LM itself (mlx_lm.fuse --model BASE --adapter-path DIR), or load it into the base in Python and save it with PEFT (PeftModel.save_pretrained) first.',
    }
  const keys = Object.keys(raw).map((k) => k.toLowerCase())
  if (keys.some((k) => /(^|_)(lora|rank|alpha)($|_)/.test(k) || k === 'r'))
    return {
      what: 'a LoRA in a non-PEFT format (e.g. JAX/qwix or a custom trainer)',
      hint: 'Graft reads PEFT adapters (adapter_config.json with peft_type "LORA" + adapter_model.safetensors). Load the LoRA into the base with its own tool and save it with PEFT, or merge it there.',
    }
  return null
}

function jsonType(v: unknown): string {
  return v === null || v === undefined ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? 'a string' : typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

export function parseAdapterConfig(raw: JsonObject, file: string): AdapterConfig {
  const refuse = (what: string, why: string, hint?: string) =>
    new GraftError('UNSUPPORTED_ADAPTER', `${file}: ${what} — ${why}`, { file, hint: hint ?? 'Merge this adapter with PEFT itself, or convert it to a plain LoRA first.' })
  const peftType = raw.peft_type
  if (peftType === undefined) {
    const foreign = describeForeignLora(raw)
    if (foreign) throw new GraftError('UNSUPPORTED_ADAPTER', `${file}: this is ${foreign.what}, not a PEFT adapter (it has no peft_type).`, { file, hint: foreign.hint })
  }
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
  // Wrong types are refused, never defaulted: a silently dropped lora_alpha halves the merge.
  const bad = (field: string, expected: string) =>
    new GraftError('BAD_CONFIG', `${file}: "${field}" is ${JSON.stringify(raw[field] ?? null)?.slice(0, 80)} (${jsonType(raw[field])}) but must be ${expected}.`, {
      file,
      hint: `Fix ${field} in adapter_config.json (PEFT writes it as ${expected}), or delete the line to use PEFT's default.`,
    })
  const absent = (k: string) => raw[k] === undefined || raw[k] === null
  const num = (k: string, d: number, expected = 'a number'): number => {
    if (absent(k)) return d
    const v = raw[k]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(k, expected)
    return v
  }
  const bool = (k: string): boolean => {
    if (absent(k)) return false
    if (typeof raw[k] !== 'boolean') throw bad(k, 'true or false')
    return raw[k] as boolean
  }
  const dict = (k: string, positiveInt: boolean): Record<string, number> => {
    if (absent(k)) return {}
    const v = raw[k]
    const expected = `an object of module-pattern → ${positiveInt ? 'positive integer' : 'number'}`
    if (typeof v !== 'object' || Array.isArray(v)) throw bad(k, expected)
    const out: Record<string, number> = {}
    for (const [key, x] of Object.entries(v as JsonObject)) {
      if (typeof x !== 'number' || !Number.isFinite(x) || (positiveInt && !(Number.isInteger(x) && x > 0)))
        throw new GraftError('BAD_CONFIG', `${file}: ${k}[${JSON.stringify(key)}] is ${JSON.stringify(x)} but must be a ${positiveInt ? 'positive integer' : 'number'}.`, { file, hint: `Fix that entry of ${k} in adapter_config.json.` })
      const re = compileSafeRegex(`(.*\\.)?(${key})$`)
      if ('unsupported' in re)
        throw new GraftError('UNSUPPORTED_ADAPTER', `${file}: the ${k} key ${JSON.stringify(key.slice(0, 120))} cannot be used: ${re.unsupported}.`, {
          file,
          hint: 'Graft evaluates these regexes with a safe subset of Python syntax (literals, ., classes, groups, |, * + ? {m,n}, ^ $). Rewrite the key as a plain module path or suffix (e.g. "layers.3.self_attn.q_proj").',
        })
      out[key] = x
    }
    return out
  }
  const strList = (k: string, allowString: boolean): string[] | string | null => {
    if (absent(k)) return null
    const v = raw[k]
    if (allowString && typeof v === 'string') return v
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(k, allowString ? 'a list of module names or a regex string' : 'a list of module names')
    return v as string[]
  }
  const r = num('r', 8, 'a positive integer')
  if (!Number.isInteger(r) || r <= 0) throw new GraftError('BAD_CONFIG', `${file}: "r" is ${r} but must be a positive integer (PEFT refuses r ≤ 0).`, { file, hint: 'Fix r in adapter_config.json to the rank the adapter was trained with.' })
  for (const k of ['task_type', 'base_model_name_or_path']) if (!absent(k) && typeof raw[k] !== 'string') throw bad(k, 'a string')
  if (!absent('init_lora_weights') && typeof init !== 'boolean' && typeof init !== 'string') throw bad('init_lora_weights', 'true, false or an init name')
  const targetModules = strList('target_modules', true)
  const fields = {
    loraAlpha: num('lora_alpha', 8),
    useRslora: bool('use_rslora'),
    useDora: bool('use_dora'),
    loraBias: bool('lora_bias'),
    fanInFanOut: bool('fan_in_fan_out'),
    ensureWeightTying: bool('ensure_weight_tying'),
    rankPattern: dict('rank_pattern', true),
    alphaPattern: dict('alpha_pattern', false),
  }
  let modulesToSave: string[] = (strList('modules_to_save', false) as string[] | null) ?? []
  if (raw.task_type === 'SEQ_CLS') modulesToSave = [...new Set([...modulesToSave, 'classifier', 'score'])]
  const trainableTokens: AdapterConfig['trainableTokens'] = []
  const tti = peftType === 'TRAINABLE_TOKENS' ? raw.token_indices : raw.trainable_token_indices
  if (Array.isArray(tti)) {
    const mod = peftType === 'TRAINABLE_TOKENS' && Array.isArray(raw.target_modules) && raw.target_modules.length === 1 ? String(raw.target_modules[0]) : null
    trainableTokens.push({ module: mod, indices: tti as number[] })
  } else if (tti && typeof tti === 'object') {
    for (const [m, idx] of Object.entries(tti as JsonObject)) if (Array.isArray(idx)) trainableTokens.push({ module: m, indices: idx as number[] })
  }
  for (const tt of trainableTokens) {
    if (!tt.indices.every((i) => Number.isSafeInteger(i) && i >= 0)) throw refuse('trainable_token_indices has invalid entries', 'indices must be non-negative integers.')
    if (new Set(tt.indices).size !== tt.indices.length) throw refuse('trainable_token_indices has duplicates', 'PEFT leaves the result of duplicate indices undefined.')
  }
  return {
    peftType,
    r,
    ...fields,
    modulesToSave,
    trainableTokens,
    initLoraWeights: init,
    baseModel: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null,
    targetModules,
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
  if (!(await pathExists(cfgPath))) {
    const mlx = await pathExists(join(dir, 'adapters.safetensors'))
    throw new GraftError('NOT_A_MODEL', `${dir} has no adapter_config.json, so it is not a PEFT adapter${mlx ? ' (its adapters.safetensors looks like an MLX-LM LoRA)' : ''}.`, {
      file: dir,
      hint: mlx ? 'Fuse it with MLX-LM itself (mlx_lm.fuse), or load it in Python and save it with PEFT first.' : 'Choose the folder PeftModel.save_pretrained wrote.',
    })
  }
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

/** Compiled pattern keys, so each key is parsed once however many modules ask. */
const patternCache = new Map<string, SafeRegex | { unsupported: string }>()

/**
 * PEFT's per-module pattern lookup (get_pattern_key): the first key, in JSON order, for which
 * `re.match(rf"(.*\.)?({key})$", modulePath)` succeeds. Keys run on a linear-time matcher, so a
 * hostile key cannot freeze Graft; keys outside its subset are refused, naming `file` and `field`.
 */
export function matchPattern(pattern: Record<string, number>, modulePath: string, where: { file?: string; field?: string } = {}): number | undefined {
  for (const [k, v] of Object.entries(pattern)) {
    const full = `(.*\\.)?(${k})$`
    let re = patternCache.get(full)
    if (!re) {
      re = compileSafeRegex(full)
      if (patternCache.size > 10_000) patternCache.clear()
      patternCache.set(full, re)
    }
    if ('unsupported' in re) {
      const at = where.file ? `${where.file}: ` : ''
      throw new GraftError('UNSUPPORTED_ADAPTER', `${at}the ${where.field ?? 'rank/alpha pattern'} key ${JSON.stringify(k)} cannot be used: ${re.unsupported}.`, {
        file: where.file,
        hint: 'Graft evaluates these regexes with a safe subset of Python syntax (literals, ., classes, groups, |, * + ? {m,n}, ^ $). Rewrite the key as a plain module path or suffix (e.g. "layers.3.self_attn.q_proj").',
      })
    }
    if (re.matchesAtStart(modulePath)) return v
  }
  return undefined
}
