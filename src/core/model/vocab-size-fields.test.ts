import { describe, expect, it } from 'vitest'
import { vocabSizeFields } from './vocab-size-fields'

describe('vocabSizeFields', () => {
  it('the field the model is built from first, then every other vocabulary field the config has; never a new top-level one', () => {
    expect(vocabSizeFields({ vocab_size: 10 })).toEqual({ primary: ['vocab_size'], all: [['vocab_size']], value: 10 })
    expect(vocabSizeFields({ text_config: { vocab_size: 10 } })).toEqual({ primary: ['text_config', 'vocab_size'], all: [['text_config', 'vocab_size']], value: 10 })
    expect(vocabSizeFields({ vocab_size: 10, text_config: { vocab_size: 10 } }).all).toEqual([['text_config', 'vocab_size'], ['vocab_size']])
    expect(vocabSizeFields({ llm_config: { vocab_size: 10 } }).all).toEqual([['llm_config', 'vocab_size']])
    expect(vocabSizeFields({ padded_vocab_size: 10 })).toEqual({ primary: ['padded_vocab_size'], all: [['padded_vocab_size']], value: 10 })
    expect(vocabSizeFields({ model_type: 'deepseek_vl_v2', language_config: { vocab_size: 10 }, vocab_size: 10 }).all).toEqual([['vocab_size'], ['language_config', 'vocab_size']])
    expect(vocabSizeFields({ padded_vocab_size: 10, vocab_size: 10 }).all).toEqual([['padded_vocab_size'], ['vocab_size']])
    // A text config without vocab_size: transformers reads it there (the class default), so that is where it goes.
    expect(vocabSizeFields({ text_config: { model_type: 'llama' } }).all).toEqual([['text_config', 'vocab_size']])
    expect(vocabSizeFields({ vocab_size: 12, text_config: { model_type: 'llama' } })).toEqual({ primary: ['text_config', 'vocab_size'], all: [['text_config', 'vocab_size'], ['vocab_size']], value: 12 })
  })
})
