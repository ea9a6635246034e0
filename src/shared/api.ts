import type { ErrorInfo } from './errors'
import type { Plan } from './plan'
import type { JobProgress } from './progress'

/**
 * The one contract between the UI and the app: every request, reply and event. The Electron
 * preload and the web-mode WebSocket bridge both implement it; the renderer never knows which.
 */

export interface LibraryEntry {
  path: string
  kind: 'model' | 'adapter' | 'tokenizer'
  /** Where it was found: a user folder, the Hugging Face cache, or the built-in demo. */
  origin: 'folder' | 'hf-cache' | 'demo'
  /** Repo id for Hub cache entries (org/name). */
  repoId?: string
  name: string
  architecture: string | null
  modelType: string | null
  paramCount: number | null
  dtype: string | null
  vocabSize: number | null
  /** Rows of the input embedding, when found. */
  embedRows: number | null
  tied: boolean | null
  shardCount: number
  sizeBytes: number
  /** Adapters: the base model they name, rank, targets. */
  adapter?: { baseModel: string | null; r: number | null; targetModules: string[] | string | null; useDora: boolean; modulesToSave: string[] }
  /** Tokenizers: their length. */
  tokenizerSize?: number | null
  /** Why the folder could not be read, when it could not. */
  error?: ErrorInfo
}

export interface TensorInfo {
  name: string
  dtype: string
  shape: number[]
  bytes: number
  file: string
}

export interface ModelSummary {
  entry: LibraryEntry
  config: Record<string, unknown> | null
  tensors: TensorInfo[]
}

export interface MergeParams {
  base: string
  adapters: { dir: string; weight?: number }[]
  out: string
  dtype?: 'keep' | 'F32' | 'F16' | 'BF16'
  maxShardBytes?: number
  overwrite?: boolean
}

export type InitKind = 'mean' | 'trained-mean' | 'subtoken-mean' | 'mean-noise' | 'zeros'

export interface ResizeParams {
  base: string
  out: string
  newSize?: number
  padToMultipleOf?: number
  init: InitKind | { kind: 'copy-row'; row: number }
  seed?: number
  allowShrink?: boolean
  overwrite?: boolean
}

export interface NewToken {
  content: string
  special: boolean
  normalized?: boolean
  lstrip?: boolean
  rstrip?: boolean
  single_word?: boolean
}

export interface TokensAddParams {
  base: string
  out: string
  tokens: NewToken[]
  init: InitKind
  padToMultipleOf?: number
  overwrite?: boolean
}

export interface UntrainedFixParams {
  base: string
  out: string
  strategy?: 'trained-mean' | 'mean'
  overwrite?: boolean
}

/** Operations that run as jobs in the worker pool. */
export type JobRequest =
  | { kind: 'merge'; params: MergeParams }
  | { kind: 'resize'; params: ResizeParams }
  | { kind: 'tokens-add'; params: TokensAddParams }
  | { kind: 'untrained-fix'; params: UntrainedFixParams }
  /** Reads the embedding and head rows: untrained rows and row-norm histograms (no output). */
  | { kind: 'scan'; params: { path: string } }
  | { kind: 'hash'; params: { path: string } }

/** Row-norm histogram of a vocab tensor, with new and untrained rows counted apart. */
export interface NormHistogram {
  tensor: string
  rows: number
  min: number
  max: number
  /** Bin edges: bins + 1 values. */
  edges: number[]
  counts: number[]
  /** Of each bin's rows, how many are untrained or new (beyond `newFrom`). */
  untrained: number[]
  added: number[]
  newFrom: number | null
}

/** Result of a `scan` job. */
export interface ScanResult {
  untrainedEmbed: number[]
  untrainedHead: number[]
  untrained: { id: number; token: string | null; text: string | null; inEmbed: boolean; inHead: boolean }[]
  histograms: NormHistogram[]
}

export interface JobInfo {
  id: string
  kind: JobRequest['kind']
  title: string
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled'
  progress: JobProgress | null
  startedAt: number
  endedAt: number | null
  error: ErrorInfo | null
  /** Result summary, e.g. the output folder or file hashes. */
  result: unknown
  log: string[]
}

export interface AppInfo {
  version: string
  mode: 'electron' | 'web'
  demoDir: string
  platform: string
  offline: boolean
}

/** Method name -> params and result. */
export interface ApiMethods {
  'app.info': { params: Record<string, never>; result: AppInfo }
  'library.list': { params: { folders?: string[]; includeHfCache?: boolean }; result: LibraryEntry[] }
  'library.addFolder': { params: { path: string }; result: { folders: string[] } }
  'library.removeFolder': { params: { path: string }; result: { folders: string[] } }
  'library.pickFolder': { params: Record<string, never>; result: { path: string | null } }
  'model.inspect': { params: { path: string }; result: ModelSummary }
  'merge.plan': { params: MergeParams; result: Plan }
  'jobs.start': { params: JobRequest; result: { id: string } }
  'jobs.cancel': { params: { id: string }; result: { cancelled: boolean } }
  'jobs.list': { params: Record<string, never>; result: JobInfo[] }
}

export type ApiMethod = keyof ApiMethods

/** The allow-list: only these methods cross the bridge. */
export const API_METHODS: readonly ApiMethod[] = [
  'app.info',
  'library.list',
  'library.addFolder',
  'library.removeFolder',
  'library.pickFolder',
  'model.inspect',
  'merge.plan',
  'jobs.start',
  'jobs.cancel',
  'jobs.list',
] as const

export type ApiReply<M extends ApiMethod> = { ok: true; result: ApiMethods[M]['result'] } | { ok: false; error: ErrorInfo }

/** Events pushed from the app to the UI. */
export type ApiEvent = { type: 'job'; job: JobInfo }

export interface WorkbenchApi {
  invoke<M extends ApiMethod>(method: M, params: ApiMethods[M]['params']): Promise<ApiReply<M>>
  onEvent(listener: (e: ApiEvent) => void): () => void
}
