import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { GraftError } from '../errors'
import { readJsonFile } from '../safetensors/open-checkpoint'
import { jsonErrorPlace, readInputText } from '../exec/read-input-file'

/** What the Library shows about a tokenizer: its length (len(tokenizer)) and kind. */
export interface TokenizerSummary {
  /** Highest token id + 1 over the model vocabulary and the added tokens. */
  length: number
  /** tokenizer.json model type (BPE, Unigram, WordPiece, WordLevel), when known. */
  modelType: string | null
  /** tokenizer_config.json tokenizer_class, when present. */
  tokenizerClass: string | null
  /** Added tokens (special or not) listed in tokenizer.json. */
  addedTokens: number
  /** The file the length came from. */
  file: string
}

/** Files that make a folder a tokenizer folder. */
export const TOKENIZER_MARKERS = ['tokenizer.json', 'tokenizer_config.json', 'tokenizer.model', 'vocab.json']

/** Parses keyed by path, size and mtime (tokenizer.json can be tens of MB); concurrent scans share one. */
const cache = new Map<string, Promise<TokenizerSummary>>()
const CACHE_LIMIT = 256

/**
 * Reads a tokenizer's length without loading a tokenizer library: tokenizer.json's model.vocab
 * (object of piece -> id, or Unigram's list of [piece, score]) and added_tokens, taking the highest
 * id + 1; else vocab.json plus added_tokens.json. Null when the folder has neither.
 */
export async function readTokenizerSummary(dir: string): Promise<TokenizerSummary | null> {
  const tokenizerClass = await readTokenizerClass(dir)
  const tj = join(dir, 'tokenizer.json')
  const st = await stat(tj).catch(() => null)
  if (st?.isFile()) {
    const key = `${tj}\0${st.size}\0${st.mtimeMs}`
    let pending = cache.get(key)
    if (!pending) {
      pending = readInputText(tj, { code: 'TOKENIZER' }).then((text) => parseTokenizerJson(tj, text))
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
      cache.set(key, pending)
      pending.catch(() => cache.delete(key))
    }
    return { ...(await pending), tokenizerClass }
  }
  const vj = join(dir, 'vocab.json')
  if ((await stat(vj).catch(() => null))?.isFile()) {
    const vocab = await readJsonFile(vj, { code: 'TOKENIZER' })
    if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) throw new GraftError('TOKENIZER', `${vj} is not a JSON object of token -> id.`, { file: vj })
    let max = maxId(Object.values(vocab as Record<string, unknown>), vj)
    let added = 0
    const aj = join(dir, 'added_tokens.json')
    if ((await stat(aj).catch(() => null))?.isFile()) {
      const a = await readJsonFile(aj, { code: 'TOKENIZER' })
      if (a && typeof a === 'object' && !Array.isArray(a)) {
        const ids = Object.values(a as Record<string, unknown>)
        added = ids.length
        max = Math.max(max, maxId(ids, aj))
      }
    }
    return { length: max + 1, modelType: null, tokenizerClass, addedTokens: added, file: vj }
  }
  return null
}

function parseTokenizerJson(file: string, text: string): TokenizerSummary {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    const place = jsonErrorPlace(text)
    throw new GraftError('TOKENIZER', `${file} is not valid JSON${place ? ` (${place})` : ''}.`, { file, hint: 'Re-download the tokenizer or save it again with tokenizer.save_pretrained().' })
  }
  const model = (json as { model?: { type?: unknown; vocab?: unknown } } | null)?.model
  if (!model || typeof model !== 'object') throw new GraftError('TOKENIZER', `${file} has no "model" section.`, { file, hint: 'This does not look like a Hugging Face tokenizers file.' })
  let max = -1
  const vocab = model.vocab
  if (Array.isArray(vocab)) max = vocab.length - 1 // Unigram: ids are list positions
  else if (vocab && typeof vocab === 'object') max = maxId(Object.values(vocab as Record<string, unknown>), file)
  else throw new GraftError('TOKENIZER', `${file} has no model.vocab.`, { file })
  const added = (json as { added_tokens?: unknown }).added_tokens
  const addedList = Array.isArray(added) ? added : []
  for (const t of addedList) {
    const id = (t as { id?: unknown } | null)?.id
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) max = Math.max(max, id)
  }
  return { length: max + 1, modelType: typeof model.type === 'string' ? model.type : null, tokenizerClass: null, addedTokens: addedList.length, file }
}

function maxId(ids: unknown[], file: string): number {
  let max = -1
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new GraftError('TOKENIZER', `${file} has a token id that is not a non-negative integer: ${JSON.stringify(id)}.`, { file })
    if (id > max) max = id
  }
  return max
}

async function readTokenizerClass(dir: string): Promise<string | null> {
  try {
    const cfg = JSON.parse(await readInputText(join(dir, 'tokenizer_config.json'))) as { tokenizer_class?: unknown }
    return typeof cfg?.tokenizer_class === 'string' ? cfg.tokenizer_class : null
  } catch {
    return null
  }
}
