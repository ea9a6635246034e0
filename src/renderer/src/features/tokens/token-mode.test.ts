import { describe, expect, it } from 'vitest'
import type { TokensPreview } from '../../../../shared/api'
import { requestTokens, unreachableNote, vocabModeBlocker } from './token-mode'

const preview = (tokens: NonNullable<TokensPreview['vocab']>['tokens']): TokensPreview => ({
  before: { ids: [], tokens: [] },
  after: { ids: [], tokens: [] },
  added: [],
  skipped: [],
  warnings: [],
  oldSize: 10,
  newSize: 12,
  vocab: { merges: [], tokens },
})

describe('vocabModeBlocker', () => {
  it('blocks only tokenizers known not to be BPE, and names the model type', () => {
    expect(vocabModeBlocker({ type: 'BPE', kind: 'sentencepiece-bpe' })).toBeNull()
    expect(vocabModeBlocker({ type: 'BPE', kind: 'byte-level-bpe' })).toBeNull()
    expect(vocabModeBlocker(null)).toBeNull()
    expect(vocabModeBlocker(undefined)).toBeNull()
    expect(vocabModeBlocker({ type: 'Unigram', kind: 'other' })).toMatch(/a Unigram model, not BPE.*added tokens instead/)
  })
})

describe('requestTokens', () => {
  const flags = { special: true, lstrip: true, rstrip: false, single_word: false }
  it('gives added tokens their flags, as typed', () => {
    expect(requestTokens('added', ['<think>', 'word'], flags, true)).toEqual([
      { content: '<think>', ...flags },
      { content: 'word', ...flags },
    ])
  })
  it('gives vocabulary words no flags, and a leading space for whole words unless one is typed', () => {
    expect(requestTokens('vocab', ['καλημέρα', ' already', 'ίζω'], flags, true)).toEqual([
      { content: ' καλημέρα', special: false },
      { content: ' already', special: false },
      { content: ' ίζω', special: false },
    ])
    expect(requestTokens('vocab', ['ίζω'], flags, false)).toEqual([{ content: 'ίζω', special: false }])
  })
})

describe('unreachableNote', () => {
  const dead = { content: ' xylophone', piece: '▁xylophone', id: 11, before: ['▁x', 'ylophone'], reachable: false, probe: 'xylophone', probeTokens: ['▁x', 'ylophone'] }
  const ok = { ...dead, content: ' ok', piece: '▁ok', id: 10, reachable: true }
  it('is null when every word is produced, or outside vocabulary mode', () => {
    expect(unreachableNote(preview([ok]), false)).toBeNull()
    expect(unreachableNote({ ...preview([]), vocab: undefined }, false)).toBeNull()
  })
  it('says the plan refuses unreachable words and what to do, or that forced ones stay unused', () => {
    expect(unreachableNote(preview([ok, dead]), false)).toBe(
      'Ordinary tokenization would still not produce this word as one token, so the plan refuses it: “xylophone” (“xylophone” → ▁x · ylophone). Remove it, add it as an added token instead, or tick “Allow unreachable pieces” to keep it anyway.',
    )
    expect(unreachableNote(preview([dead, dead]), true)).toMatch(/^Kept although ordinary tokenization does not produce them as one token: .*Their rows will never be used\.$/)
  })
})
