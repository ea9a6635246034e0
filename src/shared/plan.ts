import type { Dtype } from './dtypes'
import type { ErrorCode } from './errors'

/**
 * A plan is plain data: every output tensor with its recipe, every file edit, warnings and
 * estimates. It is printed by `--dry-run`, shown as the preflight screen, sent to workers and
 * saved into the output as provenance.
 */
export interface Plan {
  version: 1
  operation: 'merge' | 'resize' | 'convert' | 'untrained-fix' | 'vocab'
  /** Human summary, one line. */
  title: string
  inputs: PlanInput[]
  output: PlanOutput
  tensors: TensorPlan[]
  /** Row statistics computed before any tensor is written (mean rows for new-row init). */
  stats: RowStat[]
  files: FileEdit[]
  /** Things Graft decided that the user did not explicitly ask for, with the reason. */
  decisions: PlanNote[]
  warnings: PlanNote[]
  /** Problems that stop the plan from running (e.g. the output is inside an input); Run stays disabled while any remain. */
  errors?: PlanProblem[]
  estimates: PlanEstimates
  /** Merge only: each adapter's hyperparameters and weight, in merge order. */
  adapters?: PlanAdapter[]
}

/** One adapter of a merge, as the plan shows it (path, r, alpha, scale, weight, variant flags). */
export interface PlanAdapter {
  path: string
  weight: number
  /** `r` as adapter_config.json states it (the merge uses each module's tensor rank). */
  configR: number
  loraAlpha: number
  useRslora: boolean
  useDora: boolean
  /** LoRA modules grouped by rank and alpha; scale = alpha/r (alpha/√r with rsLoRA), before the weight. */
  groups: { rank: number; alpha: number; scale: number; modules: number }[]
  /** Full tensors the adapter replaces or adds (modules_to_save, saved embeddings). */
  fullTensors: number
}

export interface PlanInput {
  role: 'base' | 'adapter' | 'tokenizer'
  path: string
  /** Adapter weight in a weighted sum. */
  weight?: number
}

export interface PlanOutput {
  dir: string
  dtype: Dtype | 'keep'
  maxShardBytes: number
  shards: ShardLayout[]
  /** Name -> file for model.safetensors.index.json (absent for a single shard). */
  indexed: boolean
  totalBytes: number
  metadata: Record<string, string>
  /** Stem of the weights files: "model" (model.safetensors, model-00001-of-00002.safetensors, model.safetensors.index.json), or the input's own, e.g. "diffusion_pytorch_model" for diffusers. Absent means "model". */
  weightsPrefix?: string
}

export interface ShardLayout {
  file: string
  /** Size of the header JSON including padding (N in the format). */
  headerLength: number
  /** Absolute byte offset where tensor data starts: 8 + headerLength. */
  dataStart: number
  /** Total file size. */
  size: number
}

/** A tensor in an input file, located for positional reads. */
export interface TensorRef {
  file: string
  name: string
  dtype: Dtype
  shape: number[]
  /** Absolute byte offset of the first element in the file. */
  offset: number
  byteLength: number
}

export type RecipeKind = 'copy' | 'cast' | 'lora' | 'replace' | 'resize-rows' | 'set-rows'

export interface TensorPlan {
  name: string
  dtype: Dtype
  shape: number[]
  /** Where it goes in the output. */
  shard: number
  /** Absolute byte offset in its shard file. */
  offset: number
  byteLength: number
  /** The recipe kinds that apply, in order, for display ("copy" when nothing else). */
  recipe: RecipeKind[]
  /** Source of the leading rows (the base tensor, or a full tensor from an adapter). */
  source: TensorRef | null
  /** Where the source comes from: the base checkpoint or a full tensor saved in an adapter. */
  sourceRole?: 'base' | 'adapter'
  /** Rows beyond the source's rows, filled from a row statistic. */
  newRows?: { from: number; init: RowInit }
  /** LoRA terms added in order. */
  lora?: LoraTerm[]
  /** DoRA rescale applied after the LoRA terms (one adapter only). */
  dora?: DoraTerm
  /** Whole rows overwritten (trainable tokens, untrained-token repair). */
  setRows?: SetRows[]
  /** Bias update from lora_B.bias: b += s * lora_B.bias. */
  biasTerms?: BiasTerm[]
  /** Free text explaining this tensor's recipe. */
  note?: string
}

export type LoraLayerKind = 'linear' | 'conv1d' | 'embedding'

export interface LoraTerm {
  adapter: number
  kind: LoraLayerKind
  /** lora_A: Linear/Conv1D (r, in); Embedding lora_embedding_A (r, num_embeddings). */
  a: TensorRef
  /** lora_B: Linear/Conv1D (out, r); Embedding lora_embedding_B (dim, r). */
  b: TensorRef
  rank: number
  alpha: number
  /** alpha / r or alpha / sqrt(r), times the adapter weight; evaluated in double. */
  scaling: number
  /**
   * 'single': W' = round(W + Δ) (Linear, Conv1D).
   * 'double': W' = round(W + round(Δ)) (Embedding).
   */
  rounding: 'single' | 'double'
}

export interface DoraTerm {
  adapter: number
  magnitude: TensorRef
  /** 'row': norm per output row (Linear). 'column': norm per column (Embedding, Conv1D). */
  normAxis: 'row' | 'column'
}

export interface BiasTerm {
  adapter: number
  bias: TensorRef
  scaling: number
}

export interface SetRows {
  /** Output row indices, in order. */
  rows: number[]
  /** Row i of this tensor becomes output row rows[i]; or a statistic's vector for every row. */
  from: { tensor: TensorRef } | { stat: number }
}

/**
 * How new rows are filled: one statistic for every new row (optionally plus seeded noise, std in
 * absolute units), zeros, or one statistic per new row (in row order).
 */
export type RowInit = { stat: number; noise?: { seed: number; std: number } } | { zeros: true } | { perRow: number[] }

/** A per-column statistic over rows of a tensor, computed in float64 then rounded. */
export interface RowStat {
  id: number
  kind: 'mean' | 'trained-mean'
  tensor: TensorRef
  /** Only rows below this count take part (the old vocabulary). */
  rows: number
  /** Only rows from this index on take part (a window [fromRow, rows): one row copies that row). */
  fromRow?: number
  /** Exactly these rows take part (sub-token mean); overrides rows/fromRow. */
  rowList?: number[]
  /** For 'trained-mean': a row is trained when max |x| > eps. */
  eps?: number
  /** Rows left out of the statistic (sorted; e.g. the untrained rows being repaired, as Unsloth leaves them out). */
  excludeRows?: number[]
}

export type FileEdit =
  | { kind: 'write'; path: string; content: string; reason: string; encoding?: 'base64' }
  | { kind: 'copy'; from: string; path: string; reason: string }

export interface PlanNote {
  code: string
  message: string
}

/** A problem found while planning that stops the run: the error the job would end with. */
export interface PlanProblem {
  code: ErrorCode
  message: string
  /** The file or folder it concerns (the output folder the user typed, for output problems). */
  file?: string
  /** What to do about it. */
  hint?: string
}

export interface PlanEstimates {
  bytesRead: number
  bytesWritten: number
  peakMemoryBytes: number
  tensorCount: number
}
