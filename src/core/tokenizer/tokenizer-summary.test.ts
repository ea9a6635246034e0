import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readTokenizerFiles } from './read-tokenizer-files'
import { tokenizerSummary } from './tokenizer-summary'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url))

describe('tokenizerSummary', () => {
  it('summarises Qwen3 and looks up byte-level token strings', async () => {
    const files = await readTokenizerFiles({ dir: join(FIXTURES, 'qwen3') })
    const s = tokenizerSummary({ files, ids: [220, 14990, 71638, 151645, 151669] })
    expect([s.size, s.modelVocabSize, s.kind, s.configStyle]).toEqual([151669, 151643, 'byte-level-bpe', 'v4'])
    expect(s.added).toHaveLength(26)
    expect(s.added[2]).toEqual({ id: 151645, content: '<|im_end|>', special: true })
    expect(s.specialIds).toMatchObject({ eos_token: 151645, pad_token: 151643, bos_token: null })
    expect(s.tokens).toEqual([
      { id: 220, token: 'Ġ', text: ' ', source: 'vocab', special: false },
      { id: 14990, token: 'hello', text: 'hello', source: 'vocab', special: false },
      { id: 71638, token: 'ĠÎº', text: ' κ', source: 'vocab', special: false },
      { id: 151645, token: '<|im_end|>', text: '<|im_end|>', source: 'added', special: true },
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
