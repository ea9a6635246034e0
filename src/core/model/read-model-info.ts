import { join } from 'node:path'
import type { TensorRef } from '../../shared/plan'
import { GraftError } from '../errors'
import { readInputText } from '../exec/read-input-file'
import { openCheckpoint, parseJsonInput, pathExists, type Checkpoint } from '../safetensors/open-checkpoint'
import { decideTie, textConfigKey } from './decide-tie'
import { findEmbedCopies, findEmbedName, findHeadName, headNameFor } from './find-vocab-tensors'
import { vocabSizeFields } from './vocab-size-fields'

export { findEmbedName, findHeadName, headNameFor }

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
  /** The config field the model's vocabulary size is built from (text_config.vocab_size for composite models, padded_vocab_size for ChatGLM). */
  vocabConfigPath: string[]
  /** Every config field a resize must set: vocabConfigPath plus the other vocabulary fields the config has. */
  vocabConfigPaths: string[][]
  vocabSize: number | null
  /** Input embedding tensor name, when found. */
  embedName: string | null
  /** Output head tensor name in the file; null when tied and absent. In a tied model a head in the file is unused (transformers re-ties it on load). */
  headName: string | null
  /** Tensors saved under their own names that are the embedding itself (T5's encoder/decoder.embed_tokens next to shared). */
  embedCopies: string[]
  /** The name the head would have if written (e.g. lm_head.weight or language_model.lm_head.weight). */
  headWriteName: string | null
  /** tie_word_embeddings where transformers reads it (the text config of composite models); null when absent there. */
  tieFlag: boolean | null
  /** Where transformers reads the tie flag, and where an untie writes false. */
  tieConfigPath: string[]
  /** Decided as transformers does: the flag, else the config class default (see decide-tie.ts). */
  tied: boolean
  /** Why tied or untied, in one sentence. */
  tieReason: string
  quantized: boolean
  /** Dominant float dtype by bytes. */
  dtype: string
  paramCount: number
}

/** The language model's model_type (the text config's for composite models). */
function textModelType(config: JsonObject): string | null {
  const key = textConfigKey(config)
  const t = key ? (config[key] as JsonObject).model_type : config.model_type
  return typeof t === 'string' ? t : typeof config.model_type === 'string' ? config.model_type : null
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
  const fields = vocabSizeFields(config)
  const vocabConfigPath = fields.primary
  const vocabSize = fields.value
  const embedName = findEmbedName(names.keys())
  const headName = findHeadName(names, embedName)
  const tie = decideTie(config, headName)
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
    vocabConfigPaths: fields.all,
    vocabSize,
    embedName,
    headName,
    embedCopies: findEmbedCopies(names, embedName),
    headWriteName: headName ?? headNameFor(embedName, textModelType(config)),
    tieFlag: tie.flag,
    tieConfigPath: tie.flagPath,
    tied: tie.tied && (embedName !== null || tie.flag === true),
    tieReason: tie.reason,
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
