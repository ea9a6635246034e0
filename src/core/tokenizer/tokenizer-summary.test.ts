import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseTokenizerFiles } from './parse-tokenizer-files'
import { readTokenizerFiles } from './read-tokenizer-files'
import { tokenizerSummary } from './tokenizer-summary'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url))

describe('tokenizerSummary', () => {
  it('looks up byte-level token strings as readable text', () => {
    // A tiny Qwen-shaped tokenizer (the real one is read in read-tokenizer-files.test.ts).
    const tok = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })
    const json = JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [tok(4, '<|endoftext|>'), tok(5, '<|im_end|>')],
      normalizer: { type: 'NFC' },
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, vocab: { Ġ: 0, hello: 1, 'ĠÎº': 2, 'Ã©': 3 }, merges: [] },
    })
    const config = JSON.stringify({ added_tokens_decoder: {}, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', bos_token: null })
    const files = parseTokenizerFiles({ texts: { 'tokenizer.json': json, 'tokenizer_config.json': config } })
    const s = tokenizerSummary({ files, ids: [0, 1, 2, 3, 5, 6] })
    expect([s.size, s.modelVocabSize, s.kind]).toEqual([6, 4, 'byte-level-bpe'])
    expect(s.added).toEqual([{ id: 4, content: '<|endoftext|>', special: true }, { id: 5, content: '<|im_end|>', special: true }])
    expect(s.specialIds).toMatchObject({ eos_token: 5, pad_token: 4, bos_token: null })
    expect(s.tokens).toEqual([
      { id: 0, token: 'Ġ', text: ' ', source: 'vocab', special: false },
      { id: 1, token: 'hello', text: 'hello', source: 'vocab', special: false },
      { id: 2, token: 'ĠÎº', text: ' κ', source: 'vocab', special: false },
      { id: 3, token: 'Ã©', text: 'é', source: 'vocab', special: false },
      { id: 5, token: '<|im_end|>', text: '<|im_end|>', source: 'added', special: true },
      null,
    ])
  })

  it('summarises Mistral and shows "▁" as a space, byte tokens as they are', async () => {
    const files = await readTokenizerFiles({ dir: join(FIXTURES, 'mistral') })
    const s = tokenizerSummary({ files, ids: [1, 13, 22557, 28705] })
    expect([s.size, s.modelVocabSize, s.kind]).toEqual([32000, 32000, 'sentencepiece-bpe'])
    expect(s.specialIds).toMatchObject({ bos_token: 1, eos_token: 2, unk_token: 0, pad_token: null })
    expect(s.tokens.map((t) => t && [t.token, t.text, t.source])).toEqual([
      ['<s>', '<s>', 'added'],
      ['<0x0A>', '<0x0A>', 'vocab'],
      ['▁Hello', ' Hello', 'vocab'],
      ['▁', ' ', 'vocab'],
    ])
    expect(tokenizerSummary({ files, ids: 'all' }).tokens).toHaveLength(32000)
  })
})
