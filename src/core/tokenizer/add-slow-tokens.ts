import { readInputBytes, readInputTextIfExists } from '../exec/read-input-file'
import { join } from 'node:path'
import { GraftError } from '../errors'
import { detectJsonStyle, formatJsonText, isJsonObject, orderedKeys, parseJsonText, withItems, withKey, withKeys, type JsonArray, type JsonObject, type JsonStyle, type JsonValue } from '../json/json-text'
import { readPieces } from './append-sentencepiece-pieces'
import type { AddTokensResult, NewAddedToken } from './add-tokens'
import { ADDED_TOKENS_JSON, SPECIAL_TOKENS_MAP, TOKENIZER_CONFIG, TOKENIZER_MODEL, type AddedTokenEntry } from './parse-tokenizer-files'

/** Style of the JSON files Graft creates (transformers' save_pretrained: indent 2, final newline). */
const NEW_FILE_STYLE: JsonStyle = { indent: '  ', keySep: ': ', itemSep: ',', finalNewline: true }

/** Slow tokenizer classes whose own code numbers built-in special tokens after tokenizer.model's pieces. */
const CUSTOM_ID_CLASSES = /^ChatGLM/i

export interface SlowAddTokensResult extends AddTokensResult {
  /** Pieces in tokenizer.model (`sp.GetPieceSize()`). */
  pieces: number
  /** The tokenizer class named in tokenizer_config.json, if any. */
  tokenizerClass: string | null
}

interface Json {
  name: string
  text: string
  data: JsonObject
}

async function readJson(dir: string, name: string): Promise<Json | null> {
  const text = await readInputTextIfExists(join(dir, name), { code: 'TOKENIZER' })
  if (text === undefined) return null
  let data: JsonValue
  try {
    data = parseJsonText(text)
  } catch (e) {
    throw new GraftError('TOKENIZER', `${join(dir, name)} is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`, { file: join(dir, name), cause: e })
  }
  if (!isJsonObject(data)) throw new GraftError('TOKENIZER', `${join(dir, name)} is not a JSON object.`, { file: join(dir, name) })
  return { name, text, data }
}

const write = (f: Json, data: JsonObject) => ({ path: f.name, content: formatJsonText(data, detectJsonStyle(f.text)) })

function contentOf(v: JsonValue | undefined): string | null {
  if (typeof v === 'string') return v
  if (isJsonObject(v) && typeof v.content === 'string') return v.content
  return null
}

/**
 * "Add tokens" for a folder whose tokenizer exists only as a SentencePiece `tokenizer.model`
 * (InternLM2, Baichuan, older Llama exports): what transformers' slow `add_tokens` /
 * `add_special_tokens` save. tokenizer.model is never edited; the new tokens take ids from the
 * piece count on (after any added token already there) and are written where slow tokenizers
 * read them: `added_tokens_decoder` when tokenizer_config.json has one, else `added_tokens.json`;
 * special tokens also go into `additional_special_tokens` (tokenizer_config.json and
 * special_tokens_map.json), which is what marks them special when added_tokens.json is read.
 */
export async function addSlowTokens(opts: { dir: string; tokens: NewAddedToken[] }): Promise<SlowAddTokensResult> {
  const { dir } = opts
  const modelPath = join(dir, TOKENIZER_MODEL)
  const config = await readJson(dir, TOKENIZER_CONFIG)
  const map = await readJson(dir, SPECIAL_TOKENS_MAP)
  const addedJson = await readJson(dir, ADDED_TOKENS_JSON)
  const tokenizerClass = typeof config?.data.tokenizer_class === 'string' ? config.data.tokenizer_class : null
  if (tokenizerClass && CUSTOM_ID_CLASSES.test(tokenizerClass)) {
    throw new GraftError('UNSUPPORTED_MODEL', `${dir} uses ${tokenizerClass}, whose own code gives its built-in special tokens ([gMASK], sop, <|user|> …) the ids right after tokenizer.model's pieces; which ids stay free cannot be read from the files.`, {
      file: join(dir, TOKENIZER_CONFIG),
      hint: 'Add the tokens in Python (tokenizer.add_tokens, then save_pretrained) and grow the model with graft resize --size N, where N is at least len(tokenizer).',
    })
  }

  let pieces: ReturnType<typeof readPieces>
  try {
    pieces = readPieces(new Uint8Array(await readInputBytes(modelPath, { code: 'TOKENIZER' })), modelPath)
    // A text file can parse as a few unknown protobuf fields: a real model has pieces.
    if (pieces.length === 0) throw new GraftError('TOKENIZER', `${modelPath} holds no SentencePiece pieces.`, { file: modelPath })
  } catch (e) {
    if (!(e instanceof GraftError)) throw e
    throw new GraftError('TOKENIZER', `${modelPath} is not a SentencePiece model, so Graft cannot tell how many ids it has.`, {
      file: modelPath,
      hint: 'Some models ship a tiktoken vocabulary under this name (GLM-4). Add the tokens in Python (tokenizer.add_tokens, save_pretrained), then grow the model with graft resize --size N.',
      cause: e,
    })
  }
  // Existing added tokens: content → id, from every file a slow tokenizer reads.
  const known = new Map<string, number>()
  const decoder = config && isJsonObject(config.data.added_tokens_decoder) ? config.data.added_tokens_decoder : null
  if (decoder) for (const k of orderedKeys(decoder)) {
    const c = contentOf(decoder[k])
    if (c !== null && Number.isSafeInteger(Number(k))) known.set(c, Number(k))
  }
  if (addedJson) for (const k of orderedKeys(addedJson.data)) if (typeof addedJson.data[k] === 'number' && !known.has(k)) known.set(k, addedJson.data[k] as number)
  const pieceIds = new Map<string, number>()
  pieces.forEach((p, i) => pieceIds.has(p.piece) || pieceIds.set(p.piece, i))
  let next = pieces.length
  for (const id of known.values()) next = Math.max(next, id + 1)
  const oldSize = next

  const added: AddedTokenEntry[] = []
  const skipped: AddTokensResult['skipped'] = []
  const seen = new Set<string>()
  for (const t of opts.tokens) {
    if (typeof t?.content !== 'string' || typeof t.special !== 'boolean') throw new GraftError('BAD_REQUEST', `Each token needs a string "content" and a boolean "special"; got ${JSON.stringify(t)}.`)
    const { content } = t
    if (content === '') skipped.push({ content, reason: 'empty' })
    else if (seen.has(content)) skipped.push({ content, reason: 'repeated' })
    else if (known.has(content)) skipped.push({ content, reason: 'already-added', id: known.get(content) })
    else if (pieceIds.has(content)) skipped.push({ content, reason: 'in-vocab', id: pieceIds.get(content) })
    else {
      seen.add(content)
      added.push({ id: next++, content, single_word: t.single_word ?? false, lstrip: t.lstrip ?? false, rstrip: t.rstrip ?? false, normalized: t.normalized ?? !t.special, special: t.special })
    }
    seen.add(content)
  }

  const files: { path: string; content: string }[] = []
  const warnings: string[] = []
  const special = added.filter((t) => t.special)
  const entry = (t: AddedTokenEntry): JsonObject => ({ content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word, special: t.special })
  const appendNames = (list: JsonValue | undefined): JsonArray => {
    const arr = (Array.isArray(list) ? list : []) as JsonArray
    const have = new Set(arr.map((x) => contentOf(x)))
    return withItems(arr, special.filter((t) => !have.has(t.content)).map((t) => t.content))
  }
  if (added.length) {
    if (config) {
      let cfg = config.data
      if (decoder) cfg = withKey(cfg, 'added_tokens_decoder', withKeys(decoder, added.map((t) => [String(t.id), entry(t)])))
      if (special.length) cfg = withKey(cfg, 'additional_special_tokens', appendNames(cfg.additional_special_tokens))
      if (cfg !== config.data) files.push(write(config, cfg))
    }
    // Without added_tokens_decoder, transformers reads added_tokens.json (created if needed).
    if (!decoder || addedJson) {
      const base = addedJson ?? { name: ADDED_TOKENS_JSON, text: '{}\n', data: {} as JsonObject }
      const data = withKeys(base.data, added.map((t) => [t.content, t.id]))
      files.push(addedJson ? write(addedJson, data) : { path: ADDED_TOKENS_JSON, content: formatJsonText(data, NEW_FILE_STYLE) })
    }
    if (special.length && (map || !decoder)) {
      const base = map ?? { name: SPECIAL_TOKENS_MAP, text: '{}\n', data: {} as JsonObject }
      const data = withKey(base.data, 'additional_special_tokens', appendNames(base.data.additional_special_tokens))
      files.push(map ? write(map, data) : { path: SPECIAL_TOKENS_MAP, content: formatJsonText(data, NEW_FILE_STYLE) })
    }
    const nonDefault = added.filter((t) => t.lstrip || t.rstrip || t.single_word || t.normalized === t.special)
    if (!decoder && nonDefault.length) warnings.push(`added_tokens.json keeps only text and id: the flags of ${nonDefault.map((t) => JSON.stringify(t.content)).join(', ')} (lstrip/rstrip/single_word/normalized) are lost; transformers gives such tokens normalized = not special.`)
  }
  return { files, added, skipped, oldSize, newSize: next, warnings, pieces: pieces.length, tokenizerClass }
}
