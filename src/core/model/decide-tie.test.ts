import { describe, expect, it } from 'vitest'
import { decideTie, textConfigKey } from './decide-tie'

describe('decideTie: as transformers decides on load', () => {
  it('the flag where get_text_config(decoder=True) reads it wins over the top level', () => {
    const d = decideTie({ model_type: 'gemma3', tie_word_embeddings: false, text_config: { model_type: 'gemma3_text', tie_word_embeddings: true } }, null)
    expect(d).toMatchObject({ tied: true, flag: true, flagPath: ['text_config', 'tie_word_embeddings'] })
    expect(d.reason).toMatch(/reads text_config.tie_word_embeddings, not the top-level false/)
  })

  it('F4: a Gemma-3 config untied only at the top level is re-tied by the Gemma3TextConfig default', () => {
    const d = decideTie({ model_type: 'gemma3', tie_word_embeddings: false, text_config: { model_type: 'gemma3_text' } }, 'language_model.lm_head.weight')
    expect(d).toMatchObject({ tied: true, flag: null, flagPath: ['text_config', 'tie_word_embeddings'] })
  })

  it('class defaults when the flag is absent: Gemma tied, Llama untied, GPT-2 tied (PretrainedConfig), whatever the files hold', () => {
    expect(decideTie({ model_type: 'gemma' }, 'lm_head.weight').tied).toBe(true)
    expect(decideTie({ model_type: 'llama' }, null).tied).toBe(false)
    expect(decideTie({ model_type: 'gpt2' }, null).tied).toBe(true)
    expect(decideTie({ model_type: 'llava', text_config: {} }, null).tied).toBe(false) // text class: LlamaConfig
    expect(decideTie({ model_type: 'internvl_chat', llm_config: { model_type: 'internlm2' } }, null)).toMatchObject({ tied: false, flagPath: ['llm_config', 'tie_word_embeddings'] })
  })

  it('an unknown model type falls back to the top-level flag, then to the files', () => {
    expect(decideTie({ model_type: 'mystery', text_config: { model_type: 'mystery_text' }, tie_word_embeddings: true }, 'lm_head.weight').tied).toBe(true)
    expect(decideTie({ model_type: 'mystery' }, 'lm_head.weight')).toMatchObject({ tied: false, reason: expect.stringMatching(/decided from the files/) })
    expect(decideTie({ model_type: 'mystery' }, null).tied).toBe(true)
  })

  it('textConfigKey: text_config, else llm_config, else none', () => {
    expect(textConfigKey({ text_config: {}, llm_config: {} })).toBe('text_config')
    expect(textConfigKey({ llm_config: {} })).toBe('llm_config')
    expect(textConfigKey({ text_config: null })).toBeNull()
  })
})
