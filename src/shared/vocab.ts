/** The vocabulary truth table (see src/core/vocab/vocab-truth-table.ts), as it crosses the API. */

/** Longest token text Graft adds (API, UI and CLI): added tokens are words, markers or short phrases. */
export const MAX_TOKEN_CHARS = 256

/** One line of the truth table: a fact that holds or a mismatch, with the fix Graft can apply. */
export interface VocabCheck {
  code: 'TOKENIZER_EXCEEDS_EMBEDDING' | 'CONFIG_VOCAB_MISMATCH' | 'HEAD_ROWS_MISMATCH' | 'PADDING_ROWS' | 'UNTRAINED_ROWS' | 'NO_TOKENIZER' | 'TOKENIZER_UNREADABLE' | 'CONSISTENT'
  severity: 'ok' | 'info' | 'warning' | 'error'
  message: string
  fix?: { kind: 'resize'; newSize: number; command: string } | { kind: 'untrained-fix'; command: string }
}

export interface VocabTruthTable {
  dir: string
  tokenizerSize: number | null
  modelVocabSize: number | null
  /**
   * tokenizer.json's model: its type (BPE, Unigram, WordPiece, WordLevel) and kind. Only BPE
   * ('byte-level-bpe', 'sentencepiece-bpe') can get new vocabulary pieces and merges.
   */
  tokenizerModel: { type: string; kind: 'byte-level-bpe' | 'sentencepiece-bpe' | 'other' } | null
  addedTokens: { id: number; content: string; special: boolean }[]
  /** The tokenizer's special-token roles (tokenizer_config.json, else special_tokens_map.json); null when unset. */
  roles?: { pad: string | null; bos: string | null; eos: string | null; unk: string | null }
  configVocabSize: number | null
  configVocabField: string
  embedName: string | null
  embedRows: number | null
  headName: string | null
  headRows: number | null
  tied: boolean
  /** Embedding rows beyond the tokenizer (padding, e.g. Qwen's 151936 vs 151665). */
  paddingRows: number
  /** From a row scan, when one was run: untrained ids with their token strings. */
  untrained: { id: number; token: string | null; text: string | null; inEmbed: boolean; inHead: boolean }[] | null
  checks: VocabCheck[]
}

