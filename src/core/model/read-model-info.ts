import { join } from 'node:path'
import type { TensorRef } from '../../shared/plan'
import { GraftError } from '../errors'
import { readInputText } from '../exec/read-input-file'
import { openCheckpoint, parseJsonInput, pathExists, type Checkpoint } from '../safetensors/open-checkpoint'

export type JsonObject = Record<string, unknown>

/** What Graft needs to know about a model folder, from config.json and safetensors headers only. */
export interface ModelInfo {
  dir: string
  config: JsonObject
  /** config.json as written, for edits that keep its formatting (see edit-json-text.ts). */
  configText: string
  checkpoint: Checkpoint
  modelType: string | null
  architectures: string[]
  /** The config object that carries vocab_size (text_config for multimodal models). */
  vocabConfigPath: string[]
  vocabSize: number | null
  /** Input embedding tensor name, when found. */
  embedName: string | null
  /** Output head tensor name in the file; null when tied and absent. */
  headName: string | null
  /** The name the head would have if written (e.g. lm_head.weight or language_model.lm_head.weight). */
  headWriteName: string | null
  tieFlag: boolean | null
  /** Decided: tied when the flag says so, or (flag absent) when the file has no head tensor. */
  tied: boolean
  quantized: boolean
  /** Dominant float dtype by bytes. */
  dtype: string
  paramCount: number
}

const EMBED_SUFFIXES = ['embed_tokens.weight', 'wte.weight', 'word_embeddings.weight', 'embeddings.word_embeddings.weight', 'tok_embeddings.weight']
const HEAD_NAMES = ['lm_head.weight', 'language_model.lm_head.weight', 'model.lm_head.weight', 'output.weight']

export function findEmbedName(names: Iterable<string>): string | null {
  const cands = [...names].filter((n) => EMBED_SUFFIXES.some((s) => n === s || n.endsWith('.' + s)) && !/vision|visual|image|audio|patch|position/.test(n))
  cands.sort((a, b) => a.length - b.length)
  return cands[0] ?? null
}

export function findHeadName(names: Set<string> | Map<string, unknown>): string | null {
  for (const h of HEAD_NAMES) if (names.has(h)) return h
  return null
}

/** Where the head goes when it must be written for a tied model, following the embedding's layout. */
export function headNameFor(embedName: string | null): string {
  if (!embedName) return 'lm_head.weight'
  if (embedName.startsWith('language_model.model.')) return 'language_model.lm_head.weight'
  return 'lm_head.weight'
}

export function getPath(obj: JsonObject, path: string[]): unknown {
  let cur: unknown = obj
  for (const p of path) {
    if (!cur || typeof cur !== 'object') return undefined
    cur = (cur as JsonObject)[p]
  }
  return cur
}

export async function readModelInfo(dir: string): Promise<ModelInfo> {
  const configPath = join(dir, 'config.json')
  if (!(await pathExists(configPath))) throw new GraftError('NOT_A_MODEL', `${dir} has no config.json.`, { file: dir, hint: 'Choose the folder of a Hugging Face model (it holds config.json and *.safetensors).' })
  const configText = await readInputText(configPath, { code: 'NOT_A_MODEL', hint: 'config.json must be a JSON file; move the folder, pipe or link of that name away.' })
  const raw = parseJsonInput(configPath, configText)
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new GraftError('BAD_CONFIG', `${configPath} is not a JSON object.`, { file: configPath })
  const config = raw as JsonObject
  const checkpoint = await openCheckpoint({ dir })
  const names = checkpoint.tensors
  const text = config.text_config && typeof config.text_config === 'object' ? (config.text_config as JsonObject) : null
  const vocabConfigPath = typeof config.vocab_size === 'number' || !text ? ['vocab_size'] : ['text_config', 'vocab_size']
  const vocabSize = (getPath(config, vocabConfigPath) as number | undefined) ?? null
  const tieRaw = config.tie_word_embeddings ?? text?.tie_word_embeddings
  const tieFlag = typeof tieRaw === 'boolean' ? tieRaw : null
  const embedName = findEmbedName(names.keys())
  const headName = findHeadName(names)
  const tied = tieFlag === true || (tieFlag === null && headName === null && embedName !== null)
  const byDtype = new Map<string, number>()
  let paramCount = 0
  for (const t of names.values()) {
    const n = t.shape.reduce((a, b) => a * b, 1)
    paramCount += n
    if (t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16') byDtype.set(t.dtype, (byDtype.get(t.dtype) ?? 0) + t.byteLength)
  }
  const dtype = [...byDtype.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? [...names.values()][0]?.dtype ?? 'F32'
  return {
    dir,
    config,
    configText,
    checkpoint,
    modelType: typeof config.model_type === 'string' ? config.model_type : null,
    architectures: Array.isArray(config.architectures) ? (config.architectures as string[]) : [],
    vocabConfigPath,
    vocabSize,
    embedName,
    headName,
    headWriteName: headName ?? headNameFor(embedName),
    tieFlag,
    tied,
    quantized: !!config.quantization_config,
    dtype,
    paramCount,
  }
}

export function tensorOf(info: ModelInfo, name: string): TensorRef {
  const t = info.checkpoint.tensors.get(name)
  if (!t) throw new GraftError('NOT_FOUND', `Tensor "${name}" is not in ${info.dir}.`, { file: info.dir, tensor: name })
  return t
}
