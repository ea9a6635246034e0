/**
 * Tokenizer comparison as it crosses the API: plain mirrors of the result types of
 * src/core/compare (test/compare/shared-types.test.ts holds the core types assignable to these),
 * and the params of the compare.* methods and the compare-corpus job.
 */
import type { ErrorInfo } from './errors'
import type { JobProgress } from './progress'

/** Plain JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** How token strings in the vocabulary spell text. */
export type PieceAlphabet = 'byte-level' | 'metaspace' | 'wordpiece' | 'plain'

export type SpecialTokenRole = 'bos_token' | 'eos_token' | 'unk_token' | 'sep_token' | 'pad_token' | 'cls_token' | 'mask_token'

export interface SpecialTokens {
  /** Named roles from tokenizer_config.json, else special_tokens_map.json. */
  roles: Partial<Record<SpecialTokenRole, string | null>>
  additional: string[]
  extra: Record<string, string>
}

// ——— text view ———

/** One token of the side-by-side view. */
export interface ViewToken {
  /** Position in the encoding. */
  index: number
  id: number
  /** The vocabulary string as stored (Ġhello, ▁hello, <0xF0>, <|im_start|>). */
  token: string
  /** The text the piece stands for; null when its bytes are only part of a UTF-8 character. */
  text: string | null
  /** `text` with whitespace made visible (␣ ⇥ ⏎ ␍); partial bytes shown as <0xNN>. */
  display: string
  /** Offsets in code points, end exclusive. */
  start: number
  end: number
  /** The same offsets in UTF-16 code units: `input.slice(start16, end16)`. */
  start16: number
  end16: number
  /** UTF-8 bytes the piece stands for. */
  bytes: number[]
  special: boolean
  added: boolean
  byteFallback: boolean
  unknown: boolean
}

export interface TokenizeViewEntry {
  tokenizer: string
  path: string
  /** Tokens in the encoding (all of them, even when `tokens` is cut). */
  count: number
  tokens: ViewToken[]
  truncated: boolean
  roundTrip: boolean
  specialCount: number
  byteFallbackCount: number
  unknownCount: number
  timeMs: number
}

export interface TokenizeViewResult {
  /** Code points of the input. */
  characters: number
  /** UTF-16 units of the input. */
  length: number
  addSpecialTokens: boolean
  entries: TokenizeViewEntry[]
}

// ——— metrics ———

export interface TokenizerMetrics {
  tokens: number
  splitWords: number
  unknown: number
  byteFallback: number
  timeMs: number
  charsPerToken: number
  bytesPerToken: number
  /** Tokens per word. */
  fertility: number
  splitWordShare: number
  tokensPerSecond: number
}

export interface MetricsGroup {
  name: string
  kind: 'total' | 'file' | 'language'
  documents: number
  /** Code points. */
  characters: number
  /** UTF-8 bytes. */
  bytes: number
  words: number
  /** Same order as MetricsResult.tokenizers. */
  perTokenizer: TokenizerMetrics[]
}

export interface MetricsTokenizerInfo {
  name: string
  path: string
  modelType: string
  alphabet: PieceAlphabet
  size: number
}

export interface MetricsResult {
  source: 'text' | 'corpus'
  corpus: string | null
  tokenizers: MetricsTokenizerInfo[]
  addSpecialTokens: boolean
  wordDefinition: string
  documentDefinition: string
  total: MetricsGroup
  files: MetricsGroup[]
  languages: MetricsGroup[]
  skipped: number
  badRecords: number
  longLinesSplit: number
  problems: string[]
  wallMs: number
}

export interface CompareProgress {
  bytesDone: number
  bytesTotal: number
  filesDone: number
  filesTotal: number
  current?: string
}

// ——— vocabulary diff ———

export type VocabNormalization = 'readable' | 'raw'

export interface DiffToken {
  id: number
  token: string
  normalized: string
  display: string
}

export interface DiffList {
  total: number
  offset: number
  items: DiffToken[]
}

export interface RemapRow {
  normalized: string
  display: string
  aId: number
  aToken: string
  bId: number
  bToken: string
}

export interface SectionDiff {
  section: 'model' | 'normalizer' | 'pre_tokenizer' | 'post_processor' | 'decoder'
  same: boolean
  a: string
  b: string
  paths: string[]
  pathCount: number
  aJson: JsonValue
  bJson: JsonValue
}

export interface VocabSide {
  name: string
  path: string
  modelType: string
  alphabet: PieceAlphabet
  vocabSize: number
  size: number
  addedTokens: { id: number; content: string; special: boolean }[]
  specialTokens: SpecialTokens
  distinct: number
  collisions: number
}

export interface VocabDiffResult {
  a: VocabSide
  b: VocabSide
  normalization: { name: VocabNormalization; description: string }
  shared: number
  onlyA: number
  onlyB: number
  union: number
  jaccard: number
  onlyInA: DiffList
  onlyInB: DiffList
  special: { both: string[]; onlyA: string[]; onlyB: string[] }
  sections: SectionDiff[]
  remap: { total: number; offset: number; sameId: number; items: RemapRow[]; truncated: boolean }
}

// ——— chat templates ———

export interface RenderChatResult {
  tokenizer: string
  path: string
  templateName: string
  templateSource: string
  /** Exactly what the model receives, as text. */
  text: string
  ids: number[]
  tokens: ViewToken[]
  count: number
  warnings: string[]
}

// ——— API params and results ———

/** Tokenizers one comparison takes. */
export const MIN_COMPARE_TOKENIZERS = 2
export const MAX_COMPARE_TOKENIZERS = 4
/** Largest text for compare.text, in UTF-8 bytes (larger texts belong in a corpus). */
export const MAX_COMPARE_TEXT_BYTES = 1_000_000
/** Messages in a compare.chat conversation, and the longest message content. */
export const MAX_COMPARE_CHAT_MESSAGES = 64
export const MAX_COMPARE_CHAT_CONTENT_CHARS = 100_000

export interface CompareTextParams {
  /** 2 to 4 tokenizer folders (with tokenizer.json) or tokenizer.json files, absolute. */
  tokenizers: string[]
  text: string
  /** Let the post-processor add BOS/EOS; default false. */
  addSpecialTokens?: boolean
}

export interface CompareTextResult {
  view: TokenizeViewResult
  metrics: MetricsResult
}

export interface CompareCorpusParams {
  tokenizers: string[]
  /** A folder of .txt / .jsonl files (subfolders included), or one such file. */
  corpus: string
  /** jsonl field holding the text; default "text". */
  textField?: string
  addSpecialTokens?: boolean
  /** Display names of the tokenizers (the Library's), one per tokenizer: the job's title and result use them. */
  labels?: string[]
}

/** Progress of a compare-corpus job: bytes read (bytesDone/bytesTotal) and files (also in tensorsDone/tensorsTotal). */
export interface CompareCorpusProgress extends JobProgress {
  filesDone: number
  filesTotal: number
}

export interface CompareVocabDiffParams {
  a: string
  b: string
  normalization?: VocabNormalization
  /** Case-insensitive filter on the only-in lists and the remap table. */
  search?: string
  sort?: 'id' | 'text'
  offset?: number
  limit?: number
  remapOffset?: number
  remapLimit?: number
}

export interface CompareVocabCsvParams {
  a: string
  b: string
  list: 'only-a' | 'only-b' | 'shared'
  normalization?: VocabNormalization
  search?: string
  sort?: 'id' | 'text'
}

export interface CompareChatMessage {
  role: string
  content: string
}

export interface CompareChatParams {
  tokenizers: string[]
  messages: CompareChatMessage[]
  /** Append the assistant prompt for the next turn; default true. */
  addGenerationPrompt?: boolean
}

/** One tokenizer's rendering, or why it could not render (e.g. it has no chat template). */
export type CompareChatEntry = { ok: true; result: RenderChatResult } | { ok: false; tokenizer: string; path: string; error: ErrorInfo }
