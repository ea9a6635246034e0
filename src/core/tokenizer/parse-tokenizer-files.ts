import { GraftError } from '../errors'
import { detectJsonStyle, isJsonObject, JsonSyntaxError, orderedKeys, parseJsonText, type JsonObject, type JsonStyle, type JsonValue } from '../json/json-text'

/** The tokenizer files Graft reads and edits (`tokenizer.model` is only noted). */
export const TOKENIZER_JSON = 'tokenizer.json'
export const TOKENIZER_CONFIG = 'tokenizer_config.json'
export const SPECIAL_TOKENS_MAP = 'special_tokens_map.json'
export const ADDED_TOKENS_JSON = 'added_tokens.json'
export const TOKENIZER_MODEL = 'tokenizer.model'
/** Slow byte-level BPE files (GPT-2, Qwen2): never edited, only noted. */
export const SLOW_VOCAB_FILES = ['vocab.json', 'merges.txt'] as const

/** Caps the ids named in a refusal message, so a badly broken file still gives a readable error. */
const MAX_IDS_IN_MESSAGE = 8

/** A JSON file as read: its text (for byte-exact rewriting), parsed value and layout. */
export interface JsonFile {
  /** File name inside the tokenizer folder. */
  name: string
  text: string
  data: JsonObject
  style: JsonStyle
}

/**
 * tokenizer_config.json layout:
 * - `v4`: transformers 4.34–4.57, with `added_tokens_decoder` and `additional_special_tokens`;
 * - `v5`: transformers 5 (`backend`, `extra_special_tokens` as a list, no `added_tokens_decoder`);
 * - `legacy`: older files with neither (added tokens only in tokenizer.json / added_tokens.json);
 * - `none`: no tokenizer_config.json.
 */
export type ConfigStyle = 'v4' | 'v5' | 'legacy' | 'none'

/** What tokenizer.json's model is, as far as vocabulary surgery cares. */
export type ModelKind = 'byte-level-bpe' | 'sentencepiece-bpe' | 'other'

export interface AddedTokenFlags {
  single_word: boolean
  lstrip: boolean
  rstrip: boolean
  normalized: boolean
  special: boolean
}

/** One entry of tokenizer.json `added_tokens` (field order as the tokenizers library writes it). */
export interface AddedTokenEntry extends AddedTokenFlags {
  id: number
  content: string
}

export interface MetaspaceInfo {
  /** The word-boundary character, normally "▁". */
  replacement: string
  /**
   * Whether "▁" is put before the text: `always`/`first` (Metaspace prepend_scheme, or a legacy
   * `Prepend` normalizer), or `never`.
   */
  prependScheme: 'always' | 'first' | 'never'
  /** Metaspace split: true cuts the text into words at each "▁" before BPE. */
  split: boolean
  /** Where the convention is implemented: a Metaspace pre-tokenizer or Prepend/Replace normalizers. */
  source: 'pre_tokenizer' | 'normalizer'
}

export interface ModelInfo {
  /** tokenizer.json model.type: BPE, Unigram, WordPiece, WordLevel. */
  type: string
  kind: ModelKind
  /** Number of entries in model.vocab (the tokenizers library's `get_vocab_size()` for the model). */
  vocabSize: number
  /** How merges are written: `[["a","b"]]` (tokenizers ≥ 0.20) or `["a b"]`; null if not BPE. */
  mergesFormat: 'pairs' | 'strings' | null
  mergeCount: number
  byteFallback: boolean
  ignoreMerges: boolean
  unkToken: string | null
  /** Set for SentencePiece-style BPE. */
  metaspace: MetaspaceInfo | null
  /** A ByteLevel pre-tokenizer adds a space before the text (GPT-2 `add_prefix_space`). */
  byteLevelAddPrefixSpace: boolean
}

export type SpecialTokenRole = 'bos_token' | 'eos_token' | 'unk_token' | 'sep_token' | 'pad_token' | 'cls_token' | 'mask_token'
export const SPECIAL_TOKEN_ROLES: readonly SpecialTokenRole[] = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token']

export interface SpecialTokens {
  /** Named roles from tokenizer_config.json, else special_tokens_map.json. */
  roles: Partial<Record<SpecialTokenRole, string | null>>
  /** `additional_special_tokens` (v4) or the `extra_special_tokens` list (v5). */
  additional: string[]
  /** transformers 4.5x named extras (`extra_special_tokens: {"image_token": "<image>"}`). */
  extra: Record<string, string>
}

/** Everything Graft knows about a tokenizer folder, after the id checks passed. */
export interface TokenizerFiles {
  /** The folder, when read from disk. */
  dir: string | null
  tokenizerJson: JsonFile
  tokenizerConfig: JsonFile | null
  specialTokensMap: JsonFile | null
  addedTokensJson: JsonFile | null
  hasTokenizerModel: boolean
  /** Slow-tokenizer vocabulary files present besides tokenizer.json (vocab.json, merges.txt). */
  slowVocabFiles: string[]
  configStyle: ConfigStyle
  model: ModelInfo
  /** tokenizer.json added_tokens, in file order (ascending id once checked). */
  addedTokens: AddedTokenEntry[]
  /** `len(tokenizer)`: highest id + 1 over model vocab and added tokens (dense once checked). */
  size: number
  specialTokens: SpecialTokens
  /** Oddities that do not make the files unusable. */
  warnings: string[]
}

export interface ParseTokenizerFilesOptions {
  /** Folder the texts came from, used in messages. */
  dir?: string | null
  /** File name → text. tokenizer.json is required; the others are optional. */
  texts: Partial<Record<string, string>>
  hasTokenizerModel?: boolean
  slowVocabFiles?: string[]
}

/**
 * Parses and checks a tokenizer folder's files (already read into memory). Refuses, with a
 * `TOKENIZER` error that says which ids are wrong and why, any file whose ids the tokenizers library
 * would silently renumber on load: holes or duplicates in model.vocab, added tokens that are not
 * consecutive after the vocabulary, and added_tokens_decoder entries that disagree with tokenizer.json.
 */
export function parseTokenizerFiles(opts: ParseTokenizerFilesOptions): TokenizerFiles {
  const dir = opts.dir ?? null
  const where = (name: string): string => (dir ? `${dir.replace(/\/+$/, '')}/${name}` : name)
  const warnings: string[] = []

  const tjText = opts.texts[TOKENIZER_JSON]
  if (tjText === undefined) {
    throw new GraftError('TOKENIZER', `${dir ?? 'The tokenizer folder'} has no ${TOKENIZER_JSON}.`, {
      file: where(TOKENIZER_JSON),
      hint: 'Graft edits fast (tokenizers) tokenizers. Load the tokenizer with transformers and save_pretrained() it to create tokenizer.json.',
    })
  }
  const tokenizerJson = readJson(TOKENIZER_JSON, tjText, where)
  const tokenizerConfig = optionalJson(TOKENIZER_CONFIG, opts.texts, where)
  const specialTokensMap = optionalJson(SPECIAL_TOKENS_MAP, opts.texts, where)
  const addedTokensJson = optionalJson(ADDED_TOKENS_JSON, opts.texts, where)

  const tj = tokenizerJson.data
  const file = where(TOKENIZER_JSON)
  const modelObj = tj.model
  if (!isJsonObject(modelObj)) throw new GraftError('TOKENIZER', `${file} has no "model" section.`, { file, hint: 'This does not look like a Hugging Face tokenizers file.' })

  const model = describeModel(tj, modelObj, file)
  const vocabIds = checkModelVocab(modelObj, file)
  const addedTokens = checkAddedTokens(tj, vocabIds, model.vocabSize, file, warnings)

  let size = model.vocabSize
  for (const t of addedTokens) size = Math.max(size, t.id + 1)

  const configStyle = detectConfigStyle(tokenizerConfig?.data ?? null)
  if (tokenizerConfig) checkAddedTokensDecoder(tokenizerConfig.data, addedTokens, vocabIds, where(TOKENIZER_CONFIG), warnings)
  if (addedTokensJson) checkAddedTokensJson(addedTokensJson.data, addedTokens, vocabIds, warnings)

  return {
    dir,
    tokenizerJson,
    tokenizerConfig,
    specialTokensMap,
    addedTokensJson,
    hasTokenizerModel: opts.hasTokenizerModel ?? false,
    slowVocabFiles: opts.slowVocabFiles ?? [],
    configStyle,
    model,
    addedTokens,
    size,
    specialTokens: readSpecialTokens(tokenizerConfig?.data ?? null, specialTokensMap?.data ?? null),
    warnings,
  }
}

function readJson(name: string, text: string, where: (n: string) => string): JsonFile {
  let data: JsonValue
  try {
    data = parseJsonText(text)
  } catch (e) {
    const msg = e instanceof JsonSyntaxError ? e.message : String(e)
    throw new GraftError('TOKENIZER', `${where(name)} is not valid JSON: ${msg}.`, { file: where(name), hint: 'Re-download the file or save the tokenizer again with save_pretrained().', cause: e })
  }
  if (!isJsonObject(data)) throw new GraftError('TOKENIZER', `${where(name)} is not a JSON object.`, { file: where(name) })
  return { name, text, data, style: detectJsonStyle(text) }
}

function optionalJson(name: string, texts: Partial<Record<string, string>>, where: (n: string) => string): JsonFile | null {
  const text = texts[name]
  return text === undefined ? null : readJson(name, text, where)
}

/** Walks a normalizer / pre-tokenizer / decoder tree (Sequence nodes included). */
function components(node: JsonValue | undefined): JsonObject[] {
  if (!isJsonObject(node)) return []
  const out: JsonObject[] = [node]
  for (const key of ['normalizers', 'pretokenizers', 'decoders']) {
    const list = node[key]
    if (Array.isArray(list)) for (const c of list) out.push(...components(c))
  }
  return out
}

function describeModel(tj: JsonObject, m: JsonObject, file: string): ModelInfo {
  const type = typeof m.type === 'string' ? m.type : inferModelType(m)
  const vocab = m.vocab
  const vocabSize = Array.isArray(vocab) ? vocab.length : isJsonObject(vocab) ? orderedKeys(vocab).length : 0
  if (vocab === undefined) throw new GraftError('TOKENIZER', `${file} has no model.vocab.`, { file })
  const merges = m.merges
  let mergesFormat: ModelInfo['mergesFormat'] = null
  if (type === 'BPE') {
    if (!Array.isArray(merges)) throw new GraftError('TOKENIZER', `${file} is a BPE tokenizer without model.merges.`, { file })
    mergesFormat = merges.length === 0 || typeof merges[0] === 'string' ? 'strings' : 'pairs'
  }
  const pre = components(tj.pre_tokenizer)
  const norm = components(tj.normalizer)
  const dec = components(tj.decoder)
  const byteLevel = pre.find((c) => c.type === 'ByteLevel')
  const metaspacePre = pre.find((c) => c.type === 'Metaspace')
  let metaspace: MetaspaceInfo | null = null
  if (metaspacePre) {
    const replacement = typeof metaspacePre.replacement === 'string' ? metaspacePre.replacement : '▁'
    let prependScheme: MetaspaceInfo['prependScheme'] = 'always'
    if (metaspacePre.prepend_scheme === 'first' || metaspacePre.prepend_scheme === 'never' || metaspacePre.prepend_scheme === 'always') prependScheme = metaspacePre.prepend_scheme
    else if (metaspacePre.add_prefix_space === false) prependScheme = 'never'
    metaspace = { replacement, prependScheme, split: metaspacePre.split !== false, source: 'pre_tokenizer' }
  } else {
    const replace = norm.find((c) => c.type === 'Replace' && isJsonObject(c.pattern) && c.pattern.String === ' ' && typeof c.content === 'string')
    const prepend = norm.find((c) => c.type === 'Prepend' && typeof c.prepend === 'string')
    if (replace || prepend) {
      metaspace = {
        replacement: (replace?.content as string | undefined) ?? (prepend?.prepend as string),
        prependScheme: prepend ? 'always' : 'never',
        split: false,
        source: 'normalizer',
      }
    }
  }
  let kind: ModelKind = 'other'
  if (type === 'BPE') {
    if (byteLevel) kind = 'byte-level-bpe'
    else if (metaspace || m.byte_fallback === true || dec.some((c) => c.type === 'ByteFallback')) kind = 'sentencepiece-bpe'
  }
  return {
    type,
    kind,
    vocabSize,
    mergesFormat,
    mergeCount: Array.isArray(merges) ? merges.length : 0,
    byteFallback: m.byte_fallback === true,
    ignoreMerges: m.ignore_merges === true,
    unkToken: typeof m.unk_token === 'string' ? m.unk_token : null,
    metaspace,
    byteLevelAddPrefixSpace: byteLevel?.add_prefix_space === true,
  }
}

/** Old files omit model.type; the tokenizers library guesses from the fields present. */
function inferModelType(m: JsonObject): string {
  if (Array.isArray(m.merges)) return 'BPE'
  if (Array.isArray(m.vocab)) return 'Unigram'
  if (typeof m.continuing_subword_prefix === 'string' || typeof m.max_input_chars_per_word === 'number') return 'WordPiece'
  return 'WordLevel'
}

function listIds(ids: number[]): string {
  const shown = ids.slice(0, MAX_IDS_IN_MESSAGE).join(', ')
  return ids.length > MAX_IDS_IN_MESSAGE ? `${shown} and ${ids.length - MAX_IDS_IN_MESSAGE} more` : shown
}

/** Checks that model.vocab ids are exactly 0..n-1 and returns content → id. */
function checkModelVocab(m: JsonObject, file: string): Map<string, number> {
  const ids = new Map<string, number>()
  const vocab = m.vocab
  if (Array.isArray(vocab)) {
    // Unigram: [[piece, score], …]; the id is the position.
    vocab.forEach((entry, i) => {
      const piece = Array.isArray(entry) ? entry[0] : undefined
      if (typeof piece !== 'string') throw new GraftError('TOKENIZER', `${file}: model.vocab entry ${i} is not a [piece, score] pair.`, { file })
      if (!ids.has(piece)) ids.set(piece, i)
    })
    return ids
  }
  if (!isJsonObject(vocab)) throw new GraftError('TOKENIZER', `${file}: model.vocab is neither an object nor a list.`, { file })
  const keys = orderedKeys(vocab)
  const n = keys.length
  const owner: (string | undefined)[] = new Array(n)
  const duplicates: number[] = []
  const outside: number[] = []
  for (const k of keys) {
    const id = vocab[k]
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw new GraftError('TOKENIZER', `${file}: model.vocab gives ${JSON.stringify(k)} the id ${JSON.stringify(id)}, which is not a non-negative integer.`, { file })
    }
    ids.set(k, id)
    if (id >= n) outside.push(id)
    else if (owner[id] !== undefined) duplicates.push(id)
    else owner[id] = k
  }
  if (duplicates.length || outside.length) {
    const holes: number[] = []
    for (let i = 0; i < n && holes.length <= MAX_IDS_IN_MESSAGE; i++) if (owner[i] === undefined) holes.push(i)
    const parts: string[] = []
    if (duplicates.length) {
      const d = duplicates[0]
      const other = keys.filter((k) => vocab[k] === d).map((k) => JSON.stringify(k))
      parts.push(`ids used by more than one token: ${listIds(duplicates)} (e.g. ${d} is ${other.join(' and ')})`)
    }
    if (holes.length) parts.push(`missing ids (holes): ${listIds(holes)}`)
    if (outside.length) parts.push(`ids at or beyond the vocabulary's ${n} entries: ${listIds(outside.sort((a, b) => a - b))}`)
    throw new GraftError('TOKENIZER', `${file}: model.vocab has ${n} entries but its ids are not exactly 0..${n - 1}: ${parts.join('; ')}.`, {
      file,
      hint: 'The tokenizers library would load this with colliding or shifted ids, so embedding rows would no longer match tokens. Restore the original tokenizer.json or fix the ids so each of 0..n-1 is used once.',
    })
  }
  return ids
}

const FLAG_FIELDS = ['single_word', 'lstrip', 'rstrip', 'normalized', 'special'] as const

/** tokenizers 0.23 requires every flag in tokenizer.json ("missing field `single_word`" otherwise). */
function readFlags(t: JsonObject, file: string): AddedTokenFlags {
  const missing = FLAG_FIELDS.filter((k) => typeof t[k] !== 'boolean')
  if (missing.length) {
    throw new GraftError('TOKENIZER', `${file}: added token ${JSON.stringify(t.content)} lacks the boolean field(s) ${missing.join(', ')}; the tokenizers library refuses to load such a file.`, {
      file,
      hint: 'Every added_tokens entry needs id, content, single_word, lstrip, rstrip, normalized and special.',
    })
  }
  return { single_word: t.single_word as boolean, lstrip: t.lstrip as boolean, rstrip: t.rstrip as boolean, normalized: t.normalized as boolean, special: t.special as boolean }
}

/**
 * Re-runs the id assignment the tokenizers library performs on load (the "id" fields are not
 * trusted) and refuses when it disagrees with the file.
 */
function checkAddedTokens(tj: JsonObject, vocabIds: Map<string, number>, vocabSize: number, file: string, warnings: string[]): AddedTokenEntry[] {
  const list = tj.added_tokens ?? []
  if (!Array.isArray(list)) throw new GraftError('TOKENIZER', `${file}: added_tokens is not a list.`, { file })
  const out: AddedTokenEntry[] = []
  const assigned = new Map<string, number>()
  const byId = new Map<number, string>()
  let maxAdded = -1
  const problems: string[] = []
  let reverse: string[] | null = null
  const vocabOwner = (id: number): string | undefined => {
    if (id >= vocabSize) return undefined
    if (!reverse) {
      reverse = new Array<string>(vocabSize)
      for (const [k, v] of vocabIds) if (v < vocabSize) reverse[v] = k
    }
    return reverse[id]
  }
  for (const raw of list) {
    if (!isJsonObject(raw) || typeof raw.content !== 'string' || typeof raw.id !== 'number') {
      throw new GraftError('TOKENIZER', `${file}: an added_tokens entry lacks a string "content" or a numeric "id": ${JSON.stringify(raw)}.`, { file })
    }
    const entry: AddedTokenEntry = { id: raw.id, content: raw.content, ...readFlags(raw, file) }
    if (entry.content === '') {
      warnings.push(`${file}: added token id ${entry.id} has empty content; the tokenizers library ignores it.`)
      continue
    }
    const seen = assigned.get(entry.content)
    if (seen !== undefined) {
      if (seen !== entry.id) problems.push(`"${entry.content}" is listed twice, with ids ${seen} and ${entry.id}; only ${seen} is kept on load`)
      else warnings.push(`${file}: added token "${entry.content}" (id ${entry.id}) is listed twice.`)
      continue
    }
    let expected = vocabIds.get(entry.content)
    if (expected === undefined) {
      if (maxAdded < 0) expected = vocabSize
      else expected = maxAdded >= vocabSize || vocabSize === 0 ? maxAdded + 1 : vocabSize
    }
    if (expected !== entry.id) {
      const why = vocabIds.has(entry.content)
        ? 'it is in model.vocab, so it keeps its vocabulary id'
        : `added tokens not in model.vocab take consecutive ids after the ${vocabSize}-entry vocabulary, in file order`
      const clash = byId.get(entry.id) ?? vocabOwner(entry.id)
      const collide = clash !== undefined ? `; id ${entry.id} already belongs to "${clash}"` : ''
      problems.push(`"${entry.content}" says id ${entry.id} but would get id ${expected} on load (${why})${collide}`)
    }
    assigned.set(entry.content, expected)
    byId.set(expected, entry.content)
    if (!vocabIds.has(entry.content)) maxAdded = Math.max(maxAdded, expected)
    out.push(entry)
  }
  if (problems.length) {
    const shown = problems.slice(0, MAX_IDS_IN_MESSAGE).join('; ')
    const more = problems.length > MAX_IDS_IN_MESSAGE ? `; and ${problems.length - MAX_IDS_IN_MESSAGE} more` : ''
    throw new GraftError('TOKENIZER', `${file}: added_tokens ids do not match what the tokenizers library assigns on load (it ignores the "id" fields): ${shown}${more}.`, {
      file,
      hint: 'Ids would shift or collide after loading, so embedding rows would no longer match tokens. Each added token must either be in model.vocab at the same id or take the next consecutive id after the vocabulary, in ascending order. Restore the original tokenizer.json.',
    })
  }
  out.sort((a, b) => a.id - b.id)
  return out
}

function detectConfigStyle(cfg: JsonObject | null): ConfigStyle {
  if (!cfg) return 'none'
  if (isJsonObject(cfg.added_tokens_decoder)) return 'v4'
  if (typeof cfg.backend === 'string' || Array.isArray(cfg.extra_special_tokens) || cfg.tokenizer_class === 'TokenizersBackend') return 'v5'
  return 'legacy'
}

/** v4 loads rebuild added tokens from added_tokens_decoder; it must agree with tokenizer.json. */
function checkAddedTokensDecoder(cfg: JsonObject, added: AddedTokenEntry[], vocabIds: Map<string, number>, file: string, warnings: string[]): void {
  const dec = cfg.added_tokens_decoder
  if (!isJsonObject(dec)) return
  const byContent = new Map(added.map((t) => [t.content, t.id]))
  const problems: string[] = []
  const listed = new Set<string>()
  for (const key of orderedKeys(dec)) {
    const v = dec[key]
    const id = Number(key)
    const content = isJsonObject(v) ? v.content : undefined
    if (!Number.isSafeInteger(id) || typeof content !== 'string') {
      problems.push(`entry ${JSON.stringify(key)} is not an id with a token content`)
      continue
    }
    listed.add(content)
    const actual = byContent.get(content) ?? vocabIds.get(content)
    if (actual === undefined) problems.push(`"${content}" (id ${id}) is not in tokenizer.json`)
    else if (actual !== id) problems.push(`"${content}" is id ${id} here but id ${actual} in tokenizer.json`)
  }
  if (problems.length) {
    throw new GraftError('TOKENIZER', `${file}: added_tokens_decoder disagrees with tokenizer.json: ${problems.slice(0, MAX_IDS_IN_MESSAGE).join('; ')}.`, {
      file,
      hint: 'transformers v4 rebuilds added tokens from added_tokens_decoder, so ids would drift. Use the tokenizer_config.json saved together with this tokenizer.json.',
    })
  }
  const missing = added.filter((t) => !listed.has(t.content))
  if (missing.length) warnings.push(`${file}: added_tokens_decoder lacks ${missing.length} added token(s) of tokenizer.json (${missing.slice(0, 3).map((t) => `"${t.content}"`).join(', ')}…); transformers still loads them from tokenizer.json.`)
}

function checkAddedTokensJson(data: JsonObject, added: AddedTokenEntry[], vocabIds: Map<string, number>, warnings: string[]): void {
  const byContent = new Map(added.map((t) => [t.content, t.id]))
  for (const k of orderedKeys(data)) {
    const actual = byContent.get(k) ?? vocabIds.get(k)
    if (actual !== data[k]) {
      warnings.push(`${ADDED_TOKENS_JSON}: "${k}" is ${JSON.stringify(data[k])} there but ${actual ?? 'absent'} in tokenizer.json; only slow (Python) tokenizers read this file.`)
    }
  }
}

/** A special-token value: a string, null, or an AddedToken dict. */
function tokenText(v: JsonValue | undefined): string | null | undefined {
  if (v === null) return null
  if (typeof v === 'string') return v
  if (isJsonObject(v) && typeof v.content === 'string') return v.content
  return undefined
}

function readSpecialTokens(cfg: JsonObject | null, map: JsonObject | null): SpecialTokens {
  const roles: SpecialTokens['roles'] = {}
  for (const role of SPECIAL_TOKEN_ROLES) {
    const fromCfg = cfg ? tokenText(cfg[role]) : undefined
    const fromMap = map ? tokenText(map[role]) : undefined
    const v = fromCfg !== undefined ? fromCfg : fromMap
    if (v !== undefined) roles[role] = v
  }
  const additional: string[] = []
  const push = (list: JsonValue | undefined): void => {
    if (!Array.isArray(list)) return
    for (const x of list) {
      const t = tokenText(x)
      if (typeof t === 'string' && !additional.includes(t)) additional.push(t)
    }
  }
  const extra: Record<string, string> = {}
  if (cfg) {
    push(cfg.additional_special_tokens)
    if (Array.isArray(cfg.extra_special_tokens)) push(cfg.extra_special_tokens)
    else if (isJsonObject(cfg.extra_special_tokens)) {
      for (const k of orderedKeys(cfg.extra_special_tokens)) {
        const t = tokenText(cfg.extra_special_tokens[k])
        if (typeof t === 'string') extra[k] = t
      }
    }
  }
  if (map && additional.length === 0) push(map.additional_special_tokens)
  return { roles, additional, extra }
}
