import { textConfigKey } from './decide-tie'

type JsonObject = Record<string, unknown>

/** Config fields that hold the vocabulary size, in some family: text models, ChatGLM/GLM-4, composite (LLaVA, Gemma-3 …), InternVL, DeepSeek-VL2. */
const VOCAB_FIELDS = [['vocab_size'], ['padded_vocab_size'], ['text_config', 'vocab_size'], ['llm_config', 'vocab_size'], ['language_config', 'vocab_size']]

function at(config: JsonObject, path: string[]): unknown {
  let cur: unknown = config
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as JsonObject)[p] : undefined
  return cur
}

/**
 * The config fields a vocabulary resize must set. `primary` is the one the model is built from:
 * the text config's `vocab_size` for composite models (transformers' get_text_config; InternVL's
 * llm_config), ChatGLM/GLM-4's `padded_vocab_size` (its code sizes both matrices from it), else
 * `vocab_size`. `all` adds every other vocabulary field the file already has (never a new one).
 * `value` is the size the config states.
 */
export function vocabSizeFields(config: JsonObject): { primary: string[]; all: string[][]; value: number | null } {
  const key = textConfigKey(config)
  const primary = key ? [key, 'vocab_size'] : typeof config.padded_vocab_size === 'number' ? ['padded_vocab_size'] : ['vocab_size']
  const same = (a: string[], b: string[]) => a.join('.') === b.join('.')
  const others = VOCAB_FIELDS.filter((p) => !same(p, primary) && typeof at(config, p) === 'number')
  const all = [primary, ...others]
  // The size the config states: the primary field's, else (e.g. a text_config without vocab_size) another one's.
  const value = all.map((p) => at(config, p)).find((v): v is number => typeof v === 'number') ?? null
  return { primary, all, value }
}
