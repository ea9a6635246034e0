/**
 * Tokenizer comparison as it crosses the API: the result types of src/core/compare (defined here
 * once; core imports and re-exports them), and the params of the compare.* methods and the
 * compare-corpus job.
 */
import type { ErrorInfo } from './errors'
import type { JobProgress } from './progress'

/** Plain JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** How token strings in the vocabulary spell text. */
export type PieceAlphabet =
  /** GPT-2 byte-to-character table (Ġ is space, Ċ newline): llama3, qwen, GPT-2. */
  | 'byte-level'
  /** SentencePiece style: ▁ marks a space, `<0xNN>` pieces are raw bytes (byte_fallback). */
  | 'metaspace'
  /** WordPiece: `##` marks a piece that continues a word. */
  | 'wordpiece'
  /** Token strings are the text itself. */
  | 'plain'

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
  /**
   * The text the piece stands for, decoded from its bytes; null when its bytes are not complete
   * UTF-8 characters (part of a character split over several byte pieces).
   */
  text: string | null
  /** `text` with whitespace made visible (␣ ⇥ ⏎ ␍); partial bytes shown as <0xNN>. */
  display: string
  /** Offsets into the input, in code points (as the tokenizers library gives them), end exclusive. */
  start: number
  end: number
  /** The same offsets in UTF-16 code units: `input.slice(start16, end16)`. */
  start16: number
  end16: number
  /** UTF-8 bytes the piece stands for. */
  bytes: number[]
  /** A special token: an added token marked special, or one the post-processor inserted (BOS/EOS). */
  special: boolean
  /** An added (non-model) token. */
  added: boolean
  /** A `<0xNN>` byte piece, or a byte-level piece that is only part of a UTF-8 character. */
  byteFallback: boolean
  /** The unknown token (model unk_token). */
  unknown: boolean
}

export interface TokenizeViewEntry {
  tokenizer: string
  path: string
  /** Tokens in the encoding (all of them, even when `tokens` is cut at MAX_VIEW_TOKENS). */
  count: number
  tokens: ViewToken[]
  truncated: boolean
  /** decode(ids, skip special tokens) === text. False is normal with normalizers (NFC, lowercase). */
  roundTrip: boolean
  specialCount: number
  byteFallbackCount: number
  unknownCount: number
  /** Encode time in milliseconds. */
  timeMs: number
}

export interface TokenizeViewResult {
  /** Code points of the input. */
  characters: number
  /** UTF-16 units of the input (JavaScript length). */
  length: number
  addSpecialTokens: boolean
  entries: TokenizeViewEntry[]
}

// ——— metrics ———

/** Counts of one tokenizer over a group of documents, with the ratios derived from them. */
export interface TokenizerMetrics {
  tokens: number
  /** Words touched by more than one token. */
  splitWords: number
  unknown: number
  byteFallback: number
  /** Time spent encoding (and reading the results), in milliseconds. */
  timeMs: number
  charsPerToken: number
  bytesPerToken: number
  /** Tokens per word. */
  fertility: number
  /** splitWords / words. */
  splitWordShare: number
  tokensPerSecond: number
}

/** One row group of the metrics table: everything, one file, or one language. */
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
  /** The corpus folder or file. */
  corpus: string | null
  tokenizers: MetricsTokenizerInfo[]
  addSpecialTokens: boolean
  wordDefinition: string
  /** What a document is, for the reader of the table. */
  documentDefinition: string
  total: MetricsGroup
  /** Per corpus file (corpus only, in file order). */
  files: MetricsGroup[]
  /** Per language, from the "lang"/"language" field of jsonl records (empty when none has one). */
  languages: MetricsGroup[]
  skipped: number
  badRecords: number
  longLinesSplit: number
  problems: string[]
  /** Wall time of the whole computation (reading included), in milliseconds. */
  wallMs: number
}

export interface CompareProgress {
  bytesDone: number
  bytesTotal: number
  filesDone: number
  filesTotal: number
  /** The file being read. */
  current?: string
}

// ——— vocabulary diff ———

/**
 * - `readable` (default): byte-level pieces (Ġ/Ċ alphabet) decoded to their UTF-8 text, metaspace ▁
 *   replaced by a space, WordPiece ## dropped; bytes that are not complete UTF-8 characters written
 *   `<0xNN>`, the spelling of SentencePiece byte-fallback pieces. "Ġthe" (llama3) and "▁the"
 *   (Mistral) are both " the"; "ð" and "<0xF0>" are both "<0xF0>". Added tokens keep their content.
 * - `raw`: the token strings as stored.
 */
export type VocabNormalization = 'readable' | 'raw'

export interface DiffToken {
  id: number
  /** As stored in the vocabulary. */
  token: string
  /** Under the chosen normalization. */
  normalized: string
  /** `normalized` with whitespace made visible. */
  display: string
}

export interface DiffList {
  /** Matching entries (after `search`). */
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
  /** One-line summaries, e.g. `Sequence(Prepend("▁"), Replace(" " → "▁"))`. */
  a: string
  b: string
  /** JSON paths that differ (capped). */
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
  /** Entries in model.vocab. */
  vocabSize: number
  /** len(tokenizer). */
  size: number
  addedTokens: { id: number; content: string; special: boolean }[]
  specialTokens: SpecialTokens
  /** Distinct normalized strings (less than size when two pieces normalize alike). */
  distinct: number
  /** Ids whose normalized string another id also has (e.g. SentencePiece "<0x41>" and "A"). */
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
  /** shared / union over distinct normalized strings. */
  jaccard: number
  onlyInA: DiffList
  onlyInB: DiffList
  /** Special tokens (added tokens marked special, and named roles) by content. */
  special: { both: string[]; onlyA: string[]; onlyB: string[] }
  sections: SectionDiff[]
  /**
   * A id → B id for shared tokens, in A id order, one page of it (`total` rows match the search);
   * `sameId` counts the shared tokens (all of them) that keep their id.
   */
  remap: { total: number; offset: number; sameId: number; items: RemapRow[]; truncated: boolean }
}

// ——— chat templates ———

export interface RenderChatResult {
  tokenizer: string
  path: string
  templateName: string
  /** File the template came from (tokenizer_config.json or chat_template.jinja). */
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
  /**
   * List at most this many tokens per tokenizer (the counts and metrics still cover the whole
   * text); default and most: MAX_VIEW_TOKENS of core/compare/tokenize-view.ts. A large text asks for
   * only the tokens it will draw, so the reply stays small.
   */
  viewTokens?: number
  /**
   * A screen's own key: a newer compare.text with the same session cancels this one if it is still
   * queued or running (typing in a long text starts many; only the last is wanted).
   */
  session?: string
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
  /** Case-insensitive substring filter on the only-in lists and the remap table (stored or normalized strings). */
  search?: string
  sort?: 'id' | 'text'
  offset?: number
  limit?: number
  /** Page of the remap table (search applies to it too). */
  remapOffset?: number
  remapLimit?: number
}

export interface CompareVocabCsvParams {
  a: string
  b: string
  /** Which list: tokens only in A, only in B, or the shared tokens with both ids (the remap table). */
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
