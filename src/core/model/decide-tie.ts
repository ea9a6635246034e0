type JsonObject = Record<string, unknown>

/**
 * transformers' class default for `tie_word_embeddings`, by the text model's `model_type`: what a
 * model is when config.json omits the flag (the config class default then applies on load).
 * Read in the config classes of huggingface/transformers (and the remote-code configs named):
 * `PretrainedConfig.__init__` pops the flag with default True, and these classes keep or override it.
 */
export const TIE_DEFAULTS: Record<string, { tied: boolean; source: string }> = {
  // Keep the PretrainedConfig default (True): their __init__ does not take the flag.
  gpt2: { tied: true, source: 'GPT2Config (PretrainedConfig default)' },
  bloom: { tied: true, source: 'BloomConfig (PretrainedConfig default)' },
  t5: { tied: true, source: 'T5Config (PretrainedConfig default)' },
  // Pass tie_word_embeddings=True.
  gemma: { tied: true, source: 'GemmaConfig' },
  gemma2: { tied: true, source: 'Gemma2Config' },
  gemma3_text: { tied: true, source: 'Gemma3TextConfig' },
  gemma3n_text: { tied: true, source: 'Gemma3nTextConfig' },
  // Pass tie_word_embeddings=False.
  llama: { tied: false, source: 'LlamaConfig' },
  mistral: { tied: false, source: 'MistralConfig' },
  mixtral: { tied: false, source: 'MixtralConfig' },
  qwen2: { tied: false, source: 'Qwen2Config' },
  qwen2_moe: { tied: false, source: 'Qwen2MoeConfig' },
  qwen3: { tied: false, source: 'Qwen3Config' },
  qwen3_moe: { tied: false, source: 'Qwen3MoeConfig' },
  qwen2_vl: { tied: false, source: 'Qwen2VLConfig' },
  phi: { tied: false, source: 'PhiConfig' },
  phi3: { tied: false, source: 'Phi3Config' },
  gptj: { tied: false, source: 'GPTJConfig' },
  gpt_neox: { tied: false, source: 'GPTNeoXConfig' },
  nemotron_h: { tied: false, source: 'NemotronHConfig' },
  internlm2: { tied: false, source: 'InternLM2Config (remote code)' },
  // The remote-code model defines no get_output_embeddings, so transformers never ties it.
  chatglm: { tied: false, source: 'ChatGLMForConditionalGeneration (remote code, never tied)' },
}

/** The text model class a composite config builds when its text_config omits model_type. */
const TEXT_MODEL_TYPE: Record<string, string> = { gemma3: 'gemma3_text', paligemma: 'gemma', llava: 'llama', llava_next: 'llama' }

/**
 * The nested config that holds the language model's settings: `text_config` (what transformers'
 * `get_text_config(decoder=True)` returns for composite models) or InternVL's remote-code `llm_config`.
 */
export function textConfigKey(config: JsonObject): 'text_config' | 'llm_config' | null {
  for (const k of ['text_config', 'llm_config'] as const) {
    const v = config[k]
    if (v && typeof v === 'object' && !Array.isArray(v)) return k
  }
  return null
}

export interface TieDecision {
  tied: boolean
  /** The flag where transformers reads it; null when absent there. */
  flag: boolean | null
  /** Where transformers reads the flag (and where an untie must write it). */
  flagPath: string[]
  /** One sentence: why tied or not. */
  reason: string
}

/**
 * Decides whether the output head is tied to the input embedding as transformers does on load:
 * `config.get_text_config(decoder=True).tie_word_embeddings`, or the config class default when the
 * flag is absent. Only for model types missing from TIE_DEFAULTS does Graft fall back to the files
 * (tied when there is no head tensor). A tied model's head tensor in the file is ignored on load.
 */
export function decideTie(config: JsonObject, headInFile: string | null): TieDecision {
  const key = textConfigKey(config)
  const text = key ? (config[key] as JsonObject) : config
  const flagPath = key ? [key, 'tie_word_embeddings'] : ['tie_word_embeddings']
  const field = flagPath.join('.')
  const stale = (tied: boolean) => (tied && headInFile ? `; ${headInFile} in the file is not used by transformers 4.x, which ties the head to the embedding on load (transformers 5 keeps a head that differs from the embedding, so the output states the tie explicitly when Graft changes either)` : '')
  const raw = text.tie_word_embeddings
  if (typeof raw === 'boolean') {
    const top = key ? config.tie_word_embeddings : undefined
    const ignoredTop = typeof top === 'boolean' && top !== raw ? ` (transformers 4.x reads ${field}, not the top-level ${top}; Graft writes both when it unties)` : ''
    return { tied: raw, flag: raw, flagPath, reason: `config ${field} is ${raw}${ignoredTop}${stale(raw)}` }
  }
  const ownType = typeof text.model_type === 'string' ? text.model_type : null
  const type = ownType ?? (key ? TEXT_MODEL_TYPE[String(config.model_type)] : null) ?? null
  const def = type ? TIE_DEFAULTS[type] : undefined
  if (def) return { tied: def.tied, flag: null, flagPath, reason: `config has no ${field}, so transformers uses the ${def.source} default: ${def.tied ? 'tied' : 'untied'}${stale(def.tied)}` }
  const top = key ? config.tie_word_embeddings : undefined
  if (typeof top === 'boolean')
    return { tied: top, flag: null, flagPath, reason: `config has no ${field} and Graft does not know the default of model_type ${type ?? '?'}; it follows the top-level tie_word_embeddings (${top})${stale(top)}` }
  const tied = headInFile === null
  return {
    tied,
    flag: null,
    flagPath,
    reason: `config has no ${field} and Graft does not know the default of model_type ${type ?? '?'}; decided from the files: ${headInFile ? `${headInFile} is present, so untied` : 'no output head tensor, so tied'}`,
  }
}
