import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { LibraryEntry } from '../../shared/api'
import type { ErrorInfo } from '../../shared/errors'
import { GraftError, toErrorInfo } from '../errors'
import { findEmbedName, readModelInfo, type JsonObject } from '../model/read-model-info'
import { normalizeAdapterKey } from '../lora/read-adapter'
import { openCheckpoint, readJsonFile, type Checkpoint } from '../safetensors/open-checkpoint'
import { readInputText } from '../exec/read-input-file'
import { readTokenizerSummary, TOKENIZER_MARKERS } from './read-tokenizer-summary'

export type EntryOrigin = LibraryEntry['origin']

/** What a folder looks like from its file names alone, before anything is parsed. */
export interface FolderMarkers {
  adapter: boolean
  config: boolean
  tokenizer: boolean
  weights: boolean
}

export function folderMarkers(files: string[]): FolderMarkers {
  const set = new Set(files)
  return {
    adapter: set.has('adapter_config.json'),
    config: set.has('config.json'),
    tokenizer: TOKENIZER_MARKERS.some((f) => set.has(f)),
    weights: files.some((f) => f.endsWith('.safetensors') || f.endsWith('.bin') || f.endsWith('.pt') || f.endsWith('.pth')),
  }
}

/**
 * Classifies one folder as a model, adapter or tokenizer and summarises it from config.json,
 * adapter_config.json, tokenizer files and safetensors headers only (never tensor data).
 * Returns null when the folder holds nothing Graft recognises. Never throws: a folder that looks
 * like one of ours but cannot be read becomes an entry whose `error` says why.
 */
export async function describeFolder(opts: { dir: string; origin: EntryOrigin; repoId?: string; name?: string }): Promise<LibraryEntry | null> {
  const { dir, origin } = opts
  const base: LibraryEntry = {
    path: dir,
    kind: 'model',
    origin,
    ...(opts.repoId ? { repoId: opts.repoId } : {}),
    name: opts.name ?? opts.repoId ?? basename(dir),
    architecture: null,
    modelType: null,
    paramCount: null,
    dtype: null,
    vocabSize: null,
    embedRows: null,
    tied: null,
    shardCount: 0,
    sizeBytes: 0,
  }
  let files: string[]
  try {
    const st = await stat(dir)
    if (!st.isDirectory()) return withError(base, new GraftError('NOT_A_MODEL', `${dir} is a file, not a folder.`, { file: dir, hint: 'Choose the folder that holds the model files.' }))
    files = await readdir(dir)
  } catch (e) {
    return withError(base, e, dir)
  }
  const m = folderMarkers(files)
  base.sizeBytes = await folderSize(dir, files)
  try {
    if (m.adapter) return await describeAdapter(base, dir, files)
    if (m.config) {
      const config = await readJsonFile(join(dir, 'config.json'), { code: 'NOT_A_MODEL' }).catch((e: unknown) => e)
      if (config instanceof Error) return withError(base, config, join(dir, 'config.json'))
      const isHfConfig = isObject(config) && (typeof config.model_type === 'string' || Array.isArray(config.architectures))
      if (isHfConfig) {
        base.architecture = firstArchitecture(config)
        base.modelType = typeof config.model_type === 'string' ? config.model_type : null
        // AutoTokenizer downloads config.json too: a folder with no weights but tokenizer files is a tokenizer.
        if (!m.weights && m.tokenizer) return await describeTokenizer(base, dir)
        return await describeModel(base, dir, m)
      }
    }
    if (m.tokenizer) return await describeTokenizer(base, dir)
    return null
  } catch (e) {
    return withError(base, e, dir)
  }
}

async function describeModel(entry: LibraryEntry, dir: string, m: FolderMarkers): Promise<LibraryEntry> {
  entry.kind = 'model'
  const info = await readModelInfo(dir)
  entry.architecture = info.architectures[0] ?? info.modelType
  entry.modelType = info.modelType
  entry.paramCount = info.paramCount
  entry.dtype = info.dtype
  entry.vocabSize = info.vocabSize
  entry.embedRows = info.embedName ? (info.checkpoint.tensors.get(info.embedName)?.shape[0] ?? null) : null
  entry.tied = info.tied
  entry.shardCount = info.checkpoint.files.length
  if (m.tokenizer) entry.tokenizerSize = (await readTokenizerSummary(dir).catch(() => null))?.length ?? null
  return entry
}

async function describeAdapter(entry: LibraryEntry, dir: string, files: string[]): Promise<LibraryEntry> {
  entry.kind = 'adapter'
  const cfgPath = join(dir, 'adapter_config.json')
  const raw = await readJsonFile(cfgPath, { code: 'NOT_A_MODEL' })
  if (!isObject(raw)) throw new GraftError('BAD_CONFIG', `${cfgPath} is not a JSON object.`, { file: cfgPath })
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
  entry.adapter = {
    baseModel: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null,
    r: typeof raw.r === 'number' ? raw.r : null,
    targetModules: typeof raw.target_modules === 'string' ? raw.target_modules : Array.isArray(raw.target_modules) ? strings(raw.target_modules) : null,
    useDora: raw.use_dora === true,
    modulesToSave: strings(raw.modules_to_save),
  }
  entry.architecture = typeof raw.peft_type === 'string' ? raw.peft_type : null
  entry.modelType = typeof raw.task_type === 'string' ? raw.task_type : null
  if (!files.includes('adapter_model.safetensors') && files.includes('adapter_model.bin')) {
    throw new GraftError('UNSUPPORTED_ADAPTER', `${dir} has only adapter_model.bin (a pickle), no adapter_model.safetensors.`, {
      file: dir,
      hint: 'Graft never unpickles files. Re-save the adapter with PEFT ≥ 0.7 (safetensors is the default) or convert the .bin to safetensors.',
    })
  }
  const ck = await openCheckpoint({ dir, weightsName: 'adapter_model.safetensors' })
  const stats = weightStats(ck)
  entry.paramCount = stats.params
  entry.dtype = stats.dtype
  entry.shardCount = ck.files.length
  const normalized = new Map([...ck.tensors.values()].map((t) => [normalizeAdapterKey(t.name), t]))
  const embed = findEmbedName(normalized.keys())
  entry.embedRows = embed ? (normalized.get(embed)?.shape[0] ?? null) : null
  const tok = await readTokenizerSummary(dir).catch(() => null)
  if (tok) {
    entry.tokenizerSize = tok.length
    entry.vocabSize = tok.length
  }
  return entry
}

async function describeTokenizer(entry: LibraryEntry, dir: string): Promise<LibraryEntry> {
  entry.kind = 'tokenizer'
  const tok = await readTokenizerSummary(dir)
  entry.tokenizerSize = tok?.length ?? null
  entry.vocabSize = tok?.length ?? null
  entry.architecture = entry.architecture ?? tok?.tokenizerClass ?? null
  entry.modelType = entry.modelType ?? tok?.modelType ?? null
  return entry
}

function weightStats(ck: Checkpoint): { params: number; dtype: string | null } {
  const byDtype = new Map<string, number>()
  let params = 0
  for (const t of ck.tensors.values()) {
    params += t.shape.reduce((a, b) => a * b, 1)
    byDtype.set(t.dtype, (byDtype.get(t.dtype) ?? 0) + t.byteLength)
  }
  const dtype = [...byDtype.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
  return { params, dtype }
}

/** Sum of the folder's own files (symlinks followed, as in the Hub cache); subfolders are not counted. */
async function folderSize(dir: string, files: string[]): Promise<number> {
  let total = 0
  for (const f of files) {
    const s = await stat(join(dir, f)).catch(() => null)
    if (s?.isFile()) total += s.size
  }
  return total
}

function withError(entry: LibraryEntry, e: unknown, file?: string): LibraryEntry {
  const error: ErrorInfo = toErrorInfo(e, file)
  if (error.code === 'NOT_FOUND' && !error.hint) error.hint = 'The folder was moved or deleted; remove it from the library or add it again.'
  return { ...entry, error }
}

function firstArchitecture(config: JsonObject): string | null {
  const a = config.architectures
  if (Array.isArray(a) && typeof a[0] === 'string') return a[0]
  return typeof config.model_type === 'string' ? config.model_type : null
}

function isObject(v: unknown): v is JsonObject {
  return !!v && typeof v === 'object' && !Array.isArray(v)
}

/** Reads a small JSON file, returning null on any failure (used for optional configs). */
export async function readJsonOrNull(path: string): Promise<JsonObject | null> {
  try {
    const v = JSON.parse(await readInputText(path)) as unknown
    return isObject(v) ? v : null
  } catch {
    return null
  }
}
