import { GraftError } from '../errors'
import { formatJsonText, isJsonObject, withItems, withKey, withKeys, type JsonArray, type JsonObject, type JsonValue } from '../json/json-text'
import type { AddedTokenEntry, JsonFile, TokenizerFiles } from './parse-tokenizer-files'

/** A token to add as an added token, like transformers' `AddedToken`. */
export interface NewAddedToken {
  content: string
  special: boolean
  /** Default `!special`, as in `add_tokens` / `add_special_tokens` (vocab-spec §3.1). */
  normalized?: boolean
  /** Default false. */
  lstrip?: boolean
  /** Default false. */
  rstrip?: boolean
  /** Default false. */
  single_word?: boolean
}

/** A new file content for the output folder (never written in place). */
export interface FileEdit {
  /** File name inside the tokenizer folder. */
  path: string
  content: string
}

export type AddSkipReason = 'empty' | 'repeated' | 'in-vocab' | 'already-added'

export interface AddTokensResult {
  /** Only the files that change; copy the others unchanged. */
  files: FileEdit[]
  added: AddedTokenEntry[]
  skipped: { content: string; reason: AddSkipReason; id?: number }[]
  oldSize: number
  /** `len(tokenizer)` after the edit: the embedding needs at least this many rows. */
  newSize: number
  warnings: string[]
}

export interface AddTokensOptions {
  files: TokenizerFiles
  tokens: NewAddedToken[]
  /**
   * List new special tokens as additional special tokens (`additional_special_tokens` in v4 files
   * and special_tokens_map.json, `extra_special_tokens` in v5 files), as
   * `add_special_tokens({"additional_special_tokens": [...]})` does. Default true. Unlike
   * transformers' default (`replace_additional_special_tokens=True`), existing entries are kept.
   * False behaves like `add_tokens([...], special_tokens=True)`: special flag only.
   */
  listSpecialTokens?: boolean
}

/**
 * Plans "add tokens" (transformers `add_tokens` / `add_special_tokens`): new entries in
 * tokenizer.json `added_tokens` with the next dense ids, mirrored into tokenizer_config.json,
 * special_tokens_map.json and added_tokens.json where those files carry them. Pure: returns the new
 * file contents. Tokens already in the vocabulary or the added tokens, and repeats, are skipped
 * and reported (transformers would reuse their id and add no row).
 */
export function addTokens(opts: AddTokensOptions): AddTokensResult {
  const { files } = opts
  const listSpecial = opts.listSpecialTokens ?? true
  const tj = files.tokenizerJson.data
  const vocab = tj.model && isJsonObject(tj.model) ? tj.model.vocab : undefined
  const inVocab = (content: string): number | undefined => {
    if (Array.isArray(vocab)) {
      const i = vocab.findIndex((e) => Array.isArray(e) && e[0] === content)
      return i < 0 ? undefined : i
    }
    if (isJsonObject(vocab) && Object.prototype.hasOwnProperty.call(vocab, content)) return vocab[content] as number
    return undefined
  }
  const addedByContent = new Map(files.addedTokens.map((t) => [t.content, t.id]))

  const added: AddedTokenEntry[] = []
  const skipped: AddTokensResult['skipped'] = []
  const seen = new Set<string>()
  let next = files.size
  for (const t of opts.tokens) {
    if (typeof t?.content !== 'string' || typeof t.special !== 'boolean') {
      throw new GraftError('BAD_REQUEST', `Each token needs a string "content" and a boolean "special"; got ${JSON.stringify(t)}.`)
    }
    const { content } = t
    if (content === '') {
      skipped.push({ content, reason: 'empty' })
      continue
    }
    if (seen.has(content)) {
      skipped.push({ content, reason: 'repeated' })
      continue
    }
    seen.add(content)
    const existingAdded = addedByContent.get(content)
    if (existingAdded !== undefined) {
      skipped.push({ content, reason: 'already-added', id: existingAdded })
      continue
    }
    const existing = inVocab(content)
    if (existing !== undefined) {
      skipped.push({ content, reason: 'in-vocab', id: existing })
      continue
    }
    added.push({
      id: next++,
      content,
      single_word: t.single_word ?? false,
      lstrip: t.lstrip ?? false,
      rstrip: t.rstrip ?? false,
      normalized: t.normalized ?? !t.special,
      special: t.special,
    })
  }

  const warnings = plannedWarnings(files, added)
  const out: FileEdit[] = []
  if (added.length > 0) {
    out.push(editTokenizerJson(files.tokenizerJson, added))
    const newSpecial = listSpecial ? added.filter((t) => t.special).map((t) => t.content) : []
    if (files.tokenizerConfig) {
      const e = editTokenizerConfig(files, added, newSpecial)
      if (e) out.push(e)
    }
    if (files.specialTokensMap && newSpecial.length > 0) out.push(editSpecialTokensMap(files.specialTokensMap, added.filter((t) => newSpecial.includes(t.content))))
    if (files.addedTokensJson) out.push(editAddedTokensJson(files.addedTokensJson, added))
  }
  return { files: out, added, skipped, oldSize: files.size, newSize: next, warnings }
}

function write(file: JsonFile, data: JsonObject): FileEdit {
  return { path: file.name, content: formatJsonText(data, file.style) }
}

/** tokenizer.json field order of an added token: id, content, single_word, lstrip, rstrip, normalized, special. */
function tokenizerJsonEntry(t: AddedTokenEntry): JsonObject {
  return { id: t.id, content: t.content, single_word: t.single_word, lstrip: t.lstrip, rstrip: t.rstrip, normalized: t.normalized, special: t.special }
}

/** transformers' AddedToken dict (sorted keys): content, lstrip, normalized, rstrip, single_word, special. */
function decoderEntry(t: AddedTokenEntry, withSpecial = true): JsonObject {
  const o: JsonObject = { content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word }
  if (withSpecial) o.special = t.special
  return o
}

function editTokenizerJson(file: JsonFile, added: AddedTokenEntry[]): FileEdit {
  const list = (Array.isArray(file.data.added_tokens) ? file.data.added_tokens : []) as JsonArray
  return write(file, withKey(file.data, 'added_tokens', withItems(list, added.map(tokenizerJsonEntry)), 'end'))
}

/** Appends strings to a special-token list, following the form of its existing entries. */
function appendSpecial(list: JsonValue | undefined, tokens: AddedTokenEntry[], dictForm: 'transformers' | 'map'): JsonArray {
  const arr = (Array.isArray(list) ? list : []) as JsonArray
  const present = new Set(arr.map((x) => (typeof x === 'string' ? x : isJsonObject(x) ? x.content : undefined)))
  const first = arr[0]
  const asDict = isJsonObject(first) || (arr.length === 0 && dictForm === 'map')
  const items: JsonValue[] = []
  for (const t of tokens) {
    if (present.has(t.content)) continue
    if (!asDict) items.push(t.content)
    else if (isJsonObject(first) && first.__type === 'AddedToken') items.push({ __type: 'AddedToken', ...decoderEntry(t) })
    else items.push(decoderEntry(t, isJsonObject(first) && 'special' in first))
  }
  return withItems(arr, items)
}

function editTokenizerConfig(files: TokenizerFiles, added: AddedTokenEntry[], newSpecial: string[]): FileEdit | null {
  const file = files.tokenizerConfig as JsonFile
  let cfg = file.data
  const special = added.filter((t) => newSpecial.includes(t.content))
  switch (files.configStyle) {
    case 'v4': {
      const dec = withKeys(cfg.added_tokens_decoder as JsonObject, added.map((t) => [String(t.id), decoderEntry(t)]))
      cfg = withKey(cfg, 'added_tokens_decoder', dec)
      if (special.length) cfg = withKey(cfg, 'additional_special_tokens', appendSpecial(cfg.additional_special_tokens, special, 'transformers'))
      break
    }
    case 'v5':
      // v5 keeps added tokens only in tokenizer.json; named extras are a list of strings.
      if (special.length) cfg = withKey(cfg, 'extra_special_tokens', appendSpecial(cfg.extra_special_tokens, special, 'transformers'))
      break
    case 'legacy':
      if (special.length && Array.isArray(cfg.additional_special_tokens)) cfg = withKey(cfg, 'additional_special_tokens', appendSpecial(cfg.additional_special_tokens, special, 'transformers'))
      break
    case 'none':
      break
  }
  return cfg === file.data ? null : write(file, cfg)
}

function editSpecialTokensMap(file: JsonFile, special: AddedTokenEntry[]): FileEdit {
  return write(file, withKey(file.data, 'additional_special_tokens', appendSpecial(file.data.additional_special_tokens, special, 'map')))
}

function editAddedTokensJson(file: JsonFile, added: AddedTokenEntry[]): FileEdit {
  return write(file, withKeys(file.data, added.map((t) => [t.content, t.id])))
}

/** Behaviour the user may not expect, verified with tokenizers 0.23.2 on the Mistral fixture. */
function plannedWarnings(files: TokenizerFiles, added: AddedTokenEntry[]): string[] {
  const warnings: string[] = []
  const ms = files.model.metaspace
  const prepends = ms !== null && ms.prependScheme !== 'never'
  if (prepends && ms) {
    const normalized = added.filter((t) => t.normalized).map((t) => `"${t.content}"`)
    if (normalized.length) {
      warnings.push(
        `${normalized.join(', ')} ${normalized.length === 1 ? 'is' : 'are'} normalized, and this tokenizer puts "${ms.replacement}" before words, so ${normalized.length === 1 ? 'it matches' : 'they match'} only at the start of the text or after a space ("a<x>b" stays split). Set normalized: false to match anywhere.`,
      )
    }
    if (ms.source === 'normalizer' && added.some((t) => !t.normalized)) {
      warnings.push(`This tokenizer's normalizer puts "${ms.replacement}" before the text that follows an unnormalized added token, so decoding adds a space after it ("x<tool>y" decodes as "x<tool> y"). This is how transformers behaves too.`)
    }
  }
  if (files.hasTokenizerModel && files.configStyle !== 'v4' && !files.addedTokensJson) {
    warnings.push(`tokenizer.model is present but neither an added_tokens_decoder nor an added_tokens.json will carry the new tokens, so a slow (use_fast=False) tokenizer will not know them.`)
  }
  return warnings
}
