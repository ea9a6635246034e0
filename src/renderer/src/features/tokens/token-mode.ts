import type { NewToken, TokensPreview } from '../../../../shared/api'
import type { VocabTruthTable } from '../../../../shared/vocab'

/** How new tokens go in: added tokens (tokenizer.json added_tokens) or real BPE vocabulary (pieces + merges). */
export type TokensMode = 'added' | 'vocab'

export const MODE_CHOICES: { value: TokensMode; label: string; text: string }[] = [
  {
    value: 'added',
    label: 'Added tokens',
    text: 'For special or control markers such as <think> or tool-call tags: matched in the text before the model’s tokenizer runs, never split.',
  },
  {
    value: 'vocab',
    label: 'Extend the vocabulary',
    text: 'For new words or subwords of a language: real BPE pieces with merges, so the tokenizer itself produces them from plain text.',
  },
]

/**
 * Why "extend the vocabulary" cannot be chosen for this base, or null when it can (or when the
 * tokenizer is not known yet: then the preview and the plan say what is wrong).
 */
export function vocabModeBlocker(model: VocabTruthTable['tokenizerModel'] | undefined): string | null {
  if (!model || model.kind !== 'other') return null
  return `This base’s tokenizer is a ${model.type} model, not BPE: only a BPE vocabulary can grow by pieces and merges. Add the words as added tokens instead.`
}

/**
 * The tokens a request sends. Added tokens carry their flags; vocabulary words carry none (the
 * flags belong to added tokens), and with `wordStart` each one gets the leading space that marks
 * the start of a word (" καλημέρα" becomes "▁καλημέρα"/"Ġ…", not a word part).
 */
export function requestTokens(mode: TokensMode, contents: string[], flags: Omit<NewToken, 'content'>, wordStart: boolean): NewToken[] {
  if (mode === 'vocab') return contents.map((c) => ({ content: wordStart && !/^\s/.test(c) ? ` ${c}` : c, special: false }))
  return contents.map((content) => ({ content, ...flags }))
}

/**
 * The sentence about requested words ordinary tokenization would still not produce (mode 'vocab'),
 * saying what happens with them and what to do; null when every word is produced.
 */
export function unreachableNote(preview: TokensPreview, force: boolean): string | null {
  const dead = preview.vocab?.tokens.filter((t) => !t.reachable) ?? []
  if (dead.length === 0) return null
  const list = dead.map((t) => `“${t.content.trim()}” (“${t.probe}” → ${t.probeTokens.join(' · ')})`).join(', ')
  const one = dead.length === 1
  if (force) return `Kept although ordinary tokenization does not produce ${one ? 'it' : 'them'} as one token: ${list}. ${one ? 'Its row' : 'Their rows'} will never be used.`
  return `Ordinary tokenization would still not produce ${one ? 'this word' : 'these words'} as one token, so the plan refuses ${one ? 'it' : 'them'}: ${list}. Remove ${one ? 'it' : 'them'}, add ${one ? 'it as an added token' : 'them as added tokens'} instead, or tick “Allow unreachable pieces” to keep ${one ? 'it' : 'them'} anyway.`
}
