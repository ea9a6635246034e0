import { realpath, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import type { PieceAlphabet } from '../../shared/compare'
import { GraftError } from '../errors'
import { readInputText, readInputTextIfExists } from '../exec/read-input-file'
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-text'
import { parseTokenizerFiles, TOKENIZER_CONFIG, TOKENIZER_JSON, type AddedTokenEntry, type ConfigStyle, type ModelInfo, type SpecialTokens, type TokenizerFiles } from '../tokenizer/parse-tokenizer-files'
import { readTokenizerFiles } from '../tokenizer/read-tokenizer-files'

/**
 * Loaded tokenizers kept in memory. A Rust tokenizer for a 256k vocabulary takes on the order of
 * 100 MB; four sides of a comparison plus an edited before/after pair fit.
 */
export const MAX_CACHED_TOKENIZERS = 6

/** The file transformers ≥ 4.47 writes a chat template to (it wins over tokenizer_config.json). */
export const CHAT_TEMPLATE_JINJA = 'chat_template.jinja'

export type { PieceAlphabet } from '../../shared/compare'

export interface ChatTemplateInfo {
  /** `default`, or the name of a named template (tokenizer_config.json may hold a list). */
  name: string
  template: string
  /** The file it came from. */
  source: string
}

/** The normalizer / pre-tokenizer / post-processor / decoder / model sections of tokenizer.json. */
export interface PipelineSections {
  normalizer: JsonValue
  pre_tokenizer: JsonValue
  post_processor: JsonValue
  decoder: JsonValue
  /** model without its vocab and merges. */
  model: JsonValue
}

/** What the comparison needs to know about a tokenizer; plain data (crosses the API as is). */
export interface TokenizerMeta {
  /** tokenizer.json, resolved. */
  path: string
  /** The folder it sits in. */
  dir: string
  /** Display name: the folder name (or the file name for a loose .json file). */
  name: string
  modelType: string
  kind: ModelInfo['kind']
  alphabet: PieceAlphabet
  /** The space marker of a metaspace tokenizer (normally ▁). */
  metaspaceChar: string | null
  /** WordPiece continuing-subword prefix (normally ##). */
  subwordPrefix: string | null
  byteFallback: boolean
  unkToken: string | null
  unkId: number | null
  /** Entries in model.vocab. */
  vocabSize: number
  /** len(tokenizer): model vocabulary plus added tokens. */
  size: number
  addedTokens: AddedTokenEntry[]
  specialTokens: SpecialTokens
  configStyle: ConfigStyle
  /** tokenizer_config.json `add_bos_token` / `add_eos_token` / `clean_up_tokenization_spaces`, when set. */
  addBosToken: boolean | null
  addEosToken: boolean | null
  cleanUpTokenizationSpaces: boolean | null
  chatTemplates: ChatTemplateInfo[]
  sections: PipelineSections
  /** tokenizer.json size in bytes and modification time. */
  fileBytes: number
  mtimeMs: number
  /** Time spent reading, checking and loading the files. */
  loadMs: number
  warnings: string[]
}

export interface LoadedTokenizer {
  meta: TokenizerMeta
  /** The Hugging Face tokenizers (Rust) instance. */
  tokenizer: Tokenizer
}

interface CacheEntry {
  key: string
  promise: Promise<LoadedTokenizer>
}
const cache = new Map<string, CacheEntry>()

/** Forgets every cached tokenizer (tests, or after files were replaced in place). */
export function clearTokenizerCache(): void {
  cache.clear()
}

/** Files that sit beside tokenizer.json but are not one (chosen by mistake for it). */
const NOT_TOKENIZER_FILES = new Set([TOKENIZER_CONFIG, 'config.json', 'special_tokens_map.json', 'generation_config.json', 'added_tokens.json', 'vocab.json', 'adapter_config.json'])

async function statOrNull(p: string) {
  return stat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null
    throw e
  })
}

/**
 * Loads a tokenizer for comparison: a folder holding tokenizer.json (tokenizer_config.json and
 * chat_template.jinja optional), or the path of a tokenizer.json file. The files are checked with
 * readTokenizerFiles (the same checks as every other Graft tool), then loaded with the tokenizers
 * library. Loaded tokenizers are cached by resolved path and the modification times of their
 * files, so a changed file is read again.
 */
export async function loadTokenizer(opts: { path: string }): Promise<LoadedTokenizer> {
  const input = opts.path
  const st = await statOrNull(input)
  if (!st) throw new GraftError('NOT_FOUND', `${input} does not exist.`, { file: input, hint: 'Choose a tokenizer folder (with tokenizer.json) or a tokenizer.json file.' })
  const real = await realpath(input)
  let dir: string
  let jsonPath: string
  let looseFile = false
  if (st.isDirectory()) {
    dir = real
    jsonPath = join(real, TOKENIZER_JSON)
  } else {
    dir = dirname(real)
    jsonPath = real
    looseFile = basename(real) !== TOKENIZER_JSON
    // The other files of a tokenizer folder are not tokenizers: name the file and point to the right one.
    if (NOT_TOKENIZER_FILES.has(basename(real))) {
      throw new GraftError('TOKENIZER', `${input} is ${basename(real)}, not a tokenizer.json.`, { file: input, hint: `Choose its folder ${dir}, or the tokenizer.json beside it.` })
    }
  }
  const jsonStat = await statOrNull(jsonPath)
  if (!jsonStat?.isFile()) {
    throw new GraftError('TOKENIZER', `${input} has no ${TOKENIZER_JSON}.`, {
      file: jsonPath,
      hint: 'Graft compares fast (tokenizers) tokenizers. Load the tokenizer with transformers and save_pretrained() it to create tokenizer.json.',
    })
  }
  const stamps = [jsonStat.mtimeMs, jsonStat.size]
  if (!looseFile) {
    for (const name of [TOKENIZER_CONFIG, CHAT_TEMPLATE_JINJA]) {
      const s = await statOrNull(join(dir, name))
      stamps.push(s ? s.mtimeMs : -1)
    }
  }
  const key = stamps.join(':')
  const hit = cache.get(jsonPath)
  if (hit && hit.key === key) {
    cache.delete(jsonPath)
    cache.set(jsonPath, hit)
    return hit.promise
  }
  const promise = load({ dir, jsonPath, looseFile, mtimeMs: jsonStat.mtimeMs, fileBytes: jsonStat.size })
  cache.set(jsonPath, { key, promise })
  promise.catch(() => {
    if (cache.get(jsonPath)?.promise === promise) cache.delete(jsonPath)
  })
  while (cache.size > MAX_CACHED_TOKENIZERS) cache.delete(cache.keys().next().value as string)
  return promise
}

async function load(o: { dir: string; jsonPath: string; looseFile: boolean; mtimeMs: number; fileBytes: number }): Promise<LoadedTokenizer> {
  const t0 = performance.now()
  let files: TokenizerFiles
  if (o.looseFile) {
    const text = await readInputText(o.jsonPath, { code: 'TOKENIZER' })
    files = parseTokenizerFiles({ dir: null, texts: { [TOKENIZER_JSON]: text } })
  } else {
    files = await readTokenizerFiles({ dir: o.dir })
  }
  let tokenizer: Tokenizer
  try {
    tokenizer = Tokenizer.fromString(files.tokenizerJson.text)
  } catch (e) {
    throw new GraftError('TOKENIZER', `The tokenizers library could not load ${o.jsonPath}: ${(e as Error).message}`, {
      file: o.jsonPath,
      hint: 'The file may come from a newer tokenizers version or be damaged; re-save it with a current transformers.',
      cause: e,
    })
  }
  const chatTemplates = await readChatTemplates(o.dir, o.looseFile, files.tokenizerConfig?.data ?? null)
  const meta = describe(files, {
    path: o.jsonPath,
    dir: o.dir,
    name: o.looseFile ? basename(o.jsonPath) : basename(o.dir),
    chatTemplates,
    mtimeMs: o.mtimeMs,
    fileBytes: o.fileBytes,
    tokenizer,
  })
  meta.loadMs = performance.now() - t0
  return { meta, tokenizer }
}

/**
 * A tokenizer from files already in memory (an edit not written yet, such as the Tokens preview's
 * "after"), described as loadTokenizer would describe it. Not cached.
 */
export function tokenizerFromFiles(files: TokenizerFiles, o: { path: string; name: string; tokenizer?: Tokenizer }): LoadedTokenizer {
  const tokenizer = o.tokenizer ?? Tokenizer.fromString(files.tokenizerJson.text)
  const meta = describe(files, { path: o.path, dir: files.dir ?? dirname(o.path), name: o.name, chatTemplates: [], mtimeMs: 0, fileBytes: files.tokenizerJson.text.length, tokenizer })
  return { meta, tokenizer }
}

async function readChatTemplates(dir: string, looseFile: boolean, cfg: JsonObject | null): Promise<ChatTemplateInfo[]> {
  const out: ChatTemplateInfo[] = []
  if (!looseFile) {
    const jinja = await readInputTextIfExists(join(dir, CHAT_TEMPLATE_JINJA), { code: 'TOKENIZER' })
    if (jinja !== undefined) out.push({ name: 'default', template: jinja, source: join(dir, CHAT_TEMPLATE_JINJA) })
  }
  const ct = cfg?.chat_template
  const source = join(dir, TOKENIZER_CONFIG)
  if (typeof ct === 'string') {
    if (!out.some((t) => t.name === 'default')) out.push({ name: 'default', template: ct, source })
  } else if (Array.isArray(ct)) {
    // transformers' list form: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}]
    for (const item of ct) {
      if (isJsonObject(item) && typeof item.name === 'string' && typeof item.template === 'string' && !out.some((t) => t.name === item.name)) {
        out.push({ name: item.name, template: item.template, source })
      }
    }
  }
  return out
}

/** A deep copy as plain JSON (drops the key-order symbols json-text attaches). */
function plain(v: JsonValue | undefined): JsonValue {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as JsonValue)
}

/** Walks a normalizer / pre-tokenizer / decoder tree, Sequence nodes included. */
function components(node: JsonValue | undefined): JsonObject[] {
  if (!isJsonObject(node)) return []
  const out: JsonObject[] = [node]
  for (const key of ['normalizers', 'pretokenizers', 'decoders']) {
    const list = node[key]
    if (Array.isArray(list)) for (const c of list) out.push(...components(c))
  }
  return out
}

function describe(
  files: TokenizerFiles,
  o: { path: string; dir: string; name: string; chatTemplates: ChatTemplateInfo[]; mtimeMs: number; fileBytes: number; tokenizer: Tokenizer },
): TokenizerMeta {
  const tj = files.tokenizerJson.data
  const model = isJsonObject(tj.model) ? tj.model : {}
  const pre = components(tj.pre_tokenizer)
  const dec = components(tj.decoder)
  let alphabet: PieceAlphabet = 'plain'
  let metaspaceChar: string | null = null
  let subwordPrefix: string | null = null
  if (pre.some((c) => c.type === 'ByteLevel') || dec.some((c) => c.type === 'ByteLevel')) alphabet = 'byte-level'
  else if (files.model.metaspace) {
    alphabet = 'metaspace'
    metaspaceChar = files.model.metaspace.replacement
  } else {
    const metaDec = dec.find((c) => c.type === 'Metaspace')
    const replaceDec = dec.find((c) => c.type === 'Replace' && isJsonObject(c.pattern) && typeof c.pattern.String === 'string' && c.content === ' ')
    if (metaDec || replaceDec || files.model.byteFallback) {
      alphabet = 'metaspace'
      metaspaceChar = (metaDec?.replacement as string | undefined) ?? ((replaceDec?.pattern as JsonObject | undefined)?.String as string | undefined) ?? '▁'
    } else if (files.model.type === 'WordPiece') {
      alphabet = 'wordpiece'
      subwordPrefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##'
    }
  }
  const modelSection: JsonObject = {}
  for (const k of Object.keys(model)) if (k !== 'vocab' && k !== 'merges') modelSection[k] = model[k]
  const cfg = files.tokenizerConfig?.data ?? null
  const bool = (v: JsonValue | undefined): boolean | null => (typeof v === 'boolean' ? v : null)
  const unkToken = files.model.unkToken
  return {
    path: o.path,
    dir: o.dir,
    name: o.name,
    modelType: files.model.type,
    kind: files.model.kind,
    alphabet,
    metaspaceChar,
    subwordPrefix,
    byteFallback: files.model.byteFallback,
    unkToken,
    unkId: unkToken === null ? null : o.tokenizer.tokenToId(unkToken),
    vocabSize: files.model.vocabSize,
    size: files.size,
    addedTokens: files.addedTokens.map((t) => ({ ...t })),
    specialTokens: plain(files.specialTokens as unknown as JsonValue) as unknown as SpecialTokens,
    configStyle: files.configStyle,
    addBosToken: bool(cfg?.add_bos_token),
    addEosToken: bool(cfg?.add_eos_token),
    cleanUpTokenizationSpaces: bool(cfg?.clean_up_tokenization_spaces),
    chatTemplates: o.chatTemplates,
    sections: {
      normalizer: plain(tj.normalizer),
      pre_tokenizer: plain(tj.pre_tokenizer),
      post_processor: plain(tj.post_processor),
      decoder: plain(tj.decoder),
      model: plain(modelSection),
    },
    fileBytes: o.fileBytes,
    mtimeMs: o.mtimeMs,
    loadMs: 0,
    warnings: [...files.warnings],
  }
}

/** A tokenizer given as a path is loaded (through the cache); a loaded one is used as is. */
export type TokenizerRef = string | LoadedTokenizer

export async function resolveTokenizer(ref: TokenizerRef): Promise<LoadedTokenizer> {
  return typeof ref === 'string' ? loadTokenizer({ path: ref }) : ref
}
