import type { ErrorInfo } from './errors'
import type { Plan, PlanNote, PlanProblem } from './plan'
import type { JobProgress } from './progress'
import type { VocabTruthTable } from './vocab'
import type { CompareChatEntry, CompareChatParams, CompareCorpusParams, CompareTextParams, CompareTextResult, CompareVocabCsvParams, CompareVocabDiffParams, VocabDiffResult, ViewToken } from './compare'

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
  /** A Hub cache snapshot whose download did not finish (its error says which file). */
  incomplete?: boolean
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
  /** 'added' (default): added tokens; 'vocab': real BPE pieces + merges (a new language). */
  mode?: 'added' | 'vocab'
  /** With 'vocab': keep tokens ordinary tokenization would still not produce. */
  force?: boolean
  /**
   * Special-token roles, each naming a token by its content (one added here or one the tokenizer
   * has): tokenizer_config.json `<role>_token`, config.json / generation_config.json `<role>_token_id`.
   * With roles, `tokens` may be empty.
   */
  roles?: { pad?: string; bos?: string; eos?: string; unk?: string }
}

export interface UntrainedFixParams {
  base: string
  out: string
  strategy?: 'trained-mean' | 'mean'
}

/** Hugging Face Hub: what a hub-download job fetches into the Hub cache. */
export interface HubDownloadParams {
  /** owner/name (or a legacy single-name id). */
  repo: string
  /** Branch, tag or commit sha; default main. */
  revision?: string
  /** fnmatch patterns (Python's allow_patterns); default: safetensors, json, tokenizer and card files. */
  include?: string[]
  /** Also download pickle files (*.bin, *.pt, …); off by default. */
  allowPickles?: boolean
}

/** Hugging Face Hub: what a hub-upload job publishes. */
export interface HubUploadParams {
  /** The local model folder. */
  dir: string
  /** owner/name on the Hub. */
  repo: string
  /** Create the repo when it does not exist. */
  create?: boolean
  /** Visibility of a created repo. */
  private?: boolean
}

/** One file of a running hub download or upload, inside the job's progress. */
export interface HubFileProgress {
  path: string
  bytesDone: number
  bytesTotal: number
  bytesPerSec: number
  etaSec: number | null
  state: 'queued' | 'hashing' | 'downloading' | 'uploading' | 'done' | 'cached'
}

/** The progress of hub-download / hub-upload jobs: JobProgress plus the per-file list. */
export interface HubJobProgress extends JobProgress {
  stage: string
  repo: string
  files: HubFileProgress[]
  /** Files not listed in `files` (the list is capped for the UI). */
  filesOmitted: number
}

/** Result of a hub-download job. */
export interface HubDownloadResult {
  repo: string
  revision: string
  sha: string
  /** The snapshot folder in the Hub cache (what the Library lists). */
  path: string
  fileCount: number
  bytesDownloaded: number
  skipped: { path: string; reason: string }[]
  fromCache: boolean
}

/** Result of a hub-upload job. */
export interface HubUploadResult {
  repo: string
  created: boolean
  commitOid: string
  commitUrl: string
  fileCount: number
  bytes: number
  cardGenerated: boolean
}

/** Who is signed in to the Hub and whether Graft may use the network; never the token itself. */
export interface HubStatus {
  endpoint: string
  offline: boolean
  offlineReason: string | null
  /** True when HF_HUB_OFFLINE forces offline mode (the in-app switch cannot turn it off). */
  offlineForced: boolean
  /** The in-app switch, as saved in settings. */
  offlineSwitch: boolean
  /** The signed-in account (whoami), or null. */
  signedIn: string | null
  /** A token is configured (it may be unchecked while offline). */
  hasToken: boolean
  /** Where the token comes from: entered in Graft, HF_TOKEN, or the token file Python writes. */
  tokenSource: 'app' | 'env' | 'file' | null
  /** Whether Graft can keep a token entered in the app. */
  canStoreToken: boolean
  /** 'encrypted': saved with the OS keychain (Electron safeStorage); 'session': kept in memory until Graft stops. */
  tokenStorage: 'encrypted' | 'session'
  /** Why the token could not be checked (e.g. it expired), when it could not. */
  identityError: ErrorInfo | null
  /** The Python-compatible Hub cache downloads go to. */
  cacheDir: string
  /** The answer of an explicit check (hub.status with check: true): whether the Hub answered, and when Graft asked. */
  reachable?: { ok: boolean; checkedAt: string; error: ErrorInfo | null }
}

export interface HubSearchParams {
  text?: string
  author?: string
  tags?: string[]
  /** A library tag, e.g. safetensors or peft. */
  library?: string
  sort?: 'downloads' | 'likes' | 'lastModified' | 'createdAt' | 'trendingScore'
  limit?: number
  /** nextCursor of the previous page. */
  cursor?: string
  /** A name the caller picks, so that hub.cancel can stop this request. */
  requestId?: string
}

export interface HubModelSummary {
  id: string
  private: boolean
  gated: false | 'auto' | 'manual'
  task: string | null
  downloads: number
  likes: number
  /** ISO date. */
  lastModified: string | null
  tags: string[]
  libraryName: string | null
}

/** One page of hub.search. */
export interface HubSearchResult {
  models: HubModelSummary[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

export interface HubFileEntry {
  path: string
  size: number
  /** Git blob oid (sha1) for regular files. */
  oid: string | null
  /** sha256 of the content for LFS (and Xet-backed) files; null for regular files. */
  sha256: string | null
  lfs: boolean
  xet: boolean
  /** Pickle formats can run code when loaded: never selected by default. */
  pickle: boolean
  /** Why Graft refuses this name (path traversal, absolute path, …); null when fine. */
  unsafe: string | null
}

/** A model page (JSON-safe): the search summary's fields and more. */
export interface HubModelDetails extends HubModelSummary {
  /** The commit the details describe. */
  sha: string
  revision: string
  license: string | null
  files: HubFileEntry[]
  totalBytes: number
  safetensorsBytes: number
  /** From the Hub's safetensors metadata; null when the Hub has none. */
  parameters: { total: number; byDtype: Record<string, number> } | null
  /** True when the repo holds adapter_config.json (a PEFT adapter). */
  isAdapter: boolean
  /** The base model an adapter names (adapter_config.json), else the card's base_model. */
  baseModel: string | null
  baseModelSource: 'adapter_config' | 'model_card' | null
  /** The raw adapter_config.json of an adapter, when it could be read. */
  adapterConfig: Record<string, unknown> | null
  hasPickles: boolean
}

/** Where an adapter's base model can come from. */
export type HubBaseCandidate =
  | { kind: 'folder'; path: string; reason: string }
  | { kind: 'cache'; repo: string; path: string; revision: string; fromRefsMain: boolean; reason: string }
  | { kind: 'download'; repo: string; guessed: boolean; reason: string }

export interface HubResolveBaseResult {
  adapterDir: string
  /** base_model_name_or_path as the adapter wrote it. */
  name: string
  /** The repo id it names or implies. */
  repo: string | null
  remembered: HubBaseCandidate | null
  /** Best first. */
  candidates: HubBaseCandidate[]
}

/** Operations that run as jobs in the worker pool. */
export type JobRequest =
  | { kind: 'merge'; params: MergeParams }
  | { kind: 'resize'; params: ResizeParams }
  | { kind: 'tokens-add'; params: TokensAddParams }
  | { kind: 'untrained-fix'; params: UntrainedFixParams }
  /** Reads the embedding and head rows: untrained rows and row-norm histograms (no output). */
  | { kind: 'scan'; params: { path: string; newFrom?: number } }
  | { kind: 'hash'; params: { path: string } }
  /** Downloads a Hub repo into the Python-compatible Hub cache (runs in the main process). */
  | { kind: 'hub-download'; params: HubDownloadParams }
  /** Publishes a model folder to a Hub repo (runs in the main process). */
  | { kind: 'hub-upload'; params: HubUploadParams }
  /** Tokenizer metrics over a corpus folder (compare worker); the result is a MetricsResult (shared/compare.ts). */
  | { kind: 'compare-corpus'; params: CompareCorpusParams }

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

/** The output-writing jobs: each has a preflight plan (jobs.plan) before it runs. */
export type PlannedJobRequest = Extract<JobRequest, { kind: 'merge' | 'resize' | 'tokens-add' | 'untrained-fix' }>

/** The jobs jobs.start takes as a request; output-writing jobs start from a reviewed plan instead. */
export type UnplannedJobRequest = Exclude<JobRequest, PlannedJobRequest>

/** A reviewed plan (jobs.plan): `planId` names it for jobs.start. */
export interface ReviewedPlan {
  planId: string
  plan: Plan
}

/**
 * jobs.start of an output-writing job: runs exactly the plan jobs.plan returned (no second
 * planning). Refused with PLAN_STALE when an input file changed since, or the plan is no longer
 * kept (the last 20, for an hour). Execution options live here, not in the plan's request.
 */
export interface RunPlanParams {
  planId: string
  /** Replace an existing output folder. */
  overwrite?: boolean
  /** Keep an output whose computed tensors hold NaN or ±Inf (otherwise the job fails with NONFINITE). */
  allowNonFinite?: boolean
}

/** How a finished output read back: planned tensors present, vocab sizes agreeing, no NaN/Inf where Graft computed. */
export interface OutputVerification {
  ok: boolean
  tensors: number
  /** Tensors whose name, dtype or shape differ from the plan. */
  mismatched: string[]
  /** Computed tensors holding NaN or ±Inf that Graft made, and in how many rows. */
  nonFinite: { tensor: string; rows: number }[]
  /** Rows that were NaN or ±Inf in the base already and stay so (reported, not Graft's doing). */
  inheritedNonFinite: { tensor: string; rows: number }[]
  vocab: { configVocabSize: number | null; embedRows: number | null; headRows: number | null; tied: boolean }
}

/** Result of a merge, resize, tokens-add or untrained-fix job. */
export interface PlannedJobResult {
  outDir: string
  bytesWritten: number
  seconds: number
  decisions: PlanNote[]
  warnings: PlanNote[]
  verification: OutputVerification
}

/** The size of one LoRA module's change, ‖s·B·A‖_F (adapter.deltaNorms), for the per-layer plot. */
export interface ModuleDeltaNorm {
  module: string
  /** Layer index parsed from the module path (…layers.N…), or null. */
  layer: number | null
  kind: 'linear' | 'embedding'
  rank: number
  scaling: number
  norm: number
}

/** Text as a tokenizer splits it. */
export interface TokenizedText {
  ids: number[]
  tokens: string[]
}

/** The live preview of adding tokens (tokens.preview): sample text before and after; nothing is written. */
export interface TokensPreview {
  before: TokenizedText
  after: TokenizedText
  /** Every new id: the added tokens, or (mode 'vocab') every new piece with why it exists. */
  added: { content: string; id: number; special: boolean; role?: 'requested' | 'intermediate' | 'character' }[]
  skipped: { content: string; reason: string; detail?: string }[]
  warnings: string[]
  oldSize: number
  newSize: number
  /** The sample as the Compare screen describes tokens (decoded text, byte pieces, flags), before and after. */
  view?: { before: ViewToken[]; after: ViewToken[] }
  /** Mode 'vocab' only: the merges appended (in rank order) and each requested token's fate. */
  vocab?: {
    merges: [string, string][]
    tokens: { content: string; piece: string; id: number; before: string[]; reachable: boolean; probe: string; probeTokens: string[] }[]
  }
}

/** tokens.preview params; mode as in TokensAddParams ('added' by default). */
export interface TokensPreviewParams {
  path: string
  tokens: NewToken[]
  text: string
  mode?: 'added' | 'vocab'
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
  /** Where new outputs are suggested: ~/Graft/outputs (GRAFT_OUTPUTS_DIR overrides it). */
  outputsDir: string
  platform: string
  offline: boolean
  /** Whether app.openFolder can show a folder in the system file manager here. */
  canOpenFolders: boolean
  /** Why it cannot, when it cannot (e.g. no xdg-open, or no display); shown as the button's tooltip. */
  openFoldersNote?: string
  /** Where the Library looks for the Hugging Face cache (it may not exist). */
  hfCacheDir?: string
}

/** What an existing Graft output says about itself (graft_provenance.json), for the replace confirmation. */
export interface GraftOutputInfo {
  operation: string
  /** ISO time it was written, when recorded. */
  created: string | null
  graftVersion: string | null
  /** Total size of its files in bytes. */
  bytes: number
}

/** paths.checkOutput: whether a job could write this output folder, checked as the user types. */
export interface OutputCheckResult {
  /** No problem stops a run (an existing Graft output still needs the user's consent to be replaced). */
  ok: boolean
  out: string
  exists: boolean
  /** Set when the existing folder is a Graft output (the only kind a run may replace). */
  graftOutput: GraftOutputInfo | null
  problems: PlanProblem[]
}

/** Method name -> params and result. */
export interface ApiMethods {
  'app.info': { params: Record<string, never>; result: AppInfo }
  /** Shows an existing folder in the system file manager (never opens or runs a file). */
  'app.openFolder': { params: { path: string }; result: { path: string } }
  /** Checks an output folder against the job's inputs before planning (inputs, system folders, writability, what is there). */
  'paths.checkOutput': { params: { out: string; inputs: string[] }; result: OutputCheckResult }
  'library.list': { params: { folders?: string[]; includeHfCache?: boolean }; result: LibraryEntry[] }
  'library.addFolder': { params: { path: string }; result: { folders: string[] } }
  'library.removeFolder': { params: { path: string }; result: { folders: string[] } }
  'library.pickFolder': { params: Record<string, never>; result: { path: string | null } }
  'model.inspect': { params: { path: string }; result: ModelSummary }
  'merge.plan': { params: MergeParams; result: Plan }
  'jobs.start': { params: UnplannedJobRequest | RunPlanParams; result: { id: string } }
  'jobs.cancel': { params: { id: string }; result: { cancelled: boolean } }
  'jobs.list': { params: Record<string, never>; result: JobInfo[] }
  'library.folders': { params: Record<string, never>; result: { folders: string[]; recent: string[] } }
  'vocab.table': { params: { path: string }; result: VocabTruthTable }
  'jobs.plan': { params: { request: PlannedJobRequest }; result: ReviewedPlan }
  'adapter.deltaNorms': { params: { path: string }; result: ModuleDeltaNorm[] }
  'tokens.preview': { params: TokensPreviewParams; result: TokensPreview }
  /** check: also ask the Hub whether it answers (one small request; none when offline). */
  'hub.status': { params: { check?: boolean }; result: HubStatus }
  'hub.search': { params: HubSearchParams; result: HubSearchResult }
  'hub.info': { params: { repo: string; revision?: string; requestId?: string }; result: HubModelDetails }
  'hub.setToken': { params: { token: string }; result: HubStatus }
  'hub.clearToken': { params: Record<string, never>; result: HubStatus }
  'hub.setOffline': { params: { offline: boolean }; result: HubStatus }
  'hub.resolveBase': { params: { adapterDir: string }; result: HubResolveBaseResult }
  'hub.rememberBase': { params: { name: string; choice: HubBaseCandidate | null }; result: { ok: true } }
  /** Stops a hub.search or hub.info that was given this requestId; it then fails with CANCELLED. */
  'hub.cancel': { params: { requestId: string }; result: { cancelled: boolean } }
  'compare.text': { params: CompareTextParams; result: CompareTextResult }
  'compare.vocabDiff': { params: CompareVocabDiffParams; result: VocabDiffResult }
  'compare.vocabCsv': { params: CompareVocabCsvParams; result: { csv: string } }
  'compare.chat': { params: CompareChatParams; result: CompareChatEntry[] }
}

export type ApiMethod = keyof ApiMethods

/** The allow-list: only these methods cross the bridge. */
export const API_METHODS: readonly ApiMethod[] = [
  'app.info',
  'app.openFolder',
  'paths.checkOutput',
  'library.list',
  'library.addFolder',
  'library.removeFolder',
  'library.pickFolder',
  'model.inspect',
  'merge.plan',
  'jobs.start',
  'jobs.cancel',
  'jobs.list',
  'library.folders',
  'vocab.table',
  'jobs.plan',
  'adapter.deltaNorms',
  'tokens.preview',
  'hub.status',
  'hub.search',
  'hub.info',
  'hub.setToken',
  'hub.clearToken',
  'hub.setOffline',
  'hub.resolveBase',
  'hub.rememberBase',
  'hub.cancel',
  'compare.text',
  'compare.vocabDiff',
  'compare.vocabCsv',
  'compare.chat',
] as const

export type ApiReply<M extends ApiMethod> = { ok: true; result: ApiMethods[M]['result'] } | { ok: false; error: ErrorInfo }

/** Events pushed from the app to the UI. */
export type ApiEvent = { type: 'job'; job: JobInfo }

export interface WorkbenchApi {
  invoke<M extends ApiMethod>(method: M, params: ApiMethods[M]['params']): Promise<ApiReply<M>>
  onEvent(listener: (e: ApiEvent) => void): () => void
}

/**
 * What the Electron preload exposes as `window.graft`: the WorkbenchApi plus `pathForFile`, the
 * local path of a File dropped from the file manager (Electron's webUtils.getPathForFile; the
 * renderer cannot read File.path any more). Optional: web mode has no such function, since
 * browsers never reveal where a dropped file lives.
 */
export interface DesktopBridge extends WorkbenchApi {
  /** The file's path on disk, or null for one that has none (e.g. made in the page). */
  pathForFile?(file: File): string | null
}
