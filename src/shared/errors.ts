/**
 * Stable error codes. The code and a plain-language message cross the API; stack traces never do.
 * Each code names one kind of failure a user can act on.
 */
export const ERROR_CODES = {
  BAD_REQUEST: 'The request was malformed.',
  NOT_FOUND: 'A file or folder does not exist.',
  NOT_A_MODEL: 'The folder holds no model, adapter or tokenizer Graft understands.',
  TRUNCATED_FILE: 'A file is shorter than its header says.',
  BAD_HEADER: 'A safetensors header is malformed.',
  HEADER_TOO_LARGE: 'A safetensors header is larger than the format allows.',
  BAD_OFFSETS: 'Tensor byte ranges overlap, leave gaps or run past the file.',
  DTYPE_MISMATCH: 'A tensor has a dtype or size that does not fit its use.',
  SHAPE_MISMATCH: 'Tensor shapes do not agree.',
  MISSING_SHARD: 'A shard named in the index is missing.',
  BAD_INDEX: 'model.safetensors.index.json disagrees with the shards.',
  BAD_CONFIG: 'A JSON config file is malformed.',
  UNSUPPORTED_ADAPTER: 'The adapter uses a feature Graft cannot merge exactly.',
  ADAPTER_MISMATCH: 'The adapter does not fit this base model.',
  UNSUPPORTED_MODEL: 'The base model uses a feature Graft cannot handle exactly.',
  OUTPUT_EXISTS: 'The output folder already exists.',
  OUTPUT_OVERLAPS_INPUT: 'The output folder is, holds or lies inside one of the inputs.',
  OUTPUT_NOT_GRAFT: 'The output folder exists and is not a Graft output, so Graft will not replace it.',
  OUTPUT_BUSY: 'Another Graft job is writing the same output folder.',
  OUTPUT_FORBIDDEN: 'The output folder is a system or application folder.',
  OUTPUT_PARENT_NOT_FOLDER: 'A parent of the output folder is a file.',
  DISK_FULL: 'The disk is full.',
  PERMISSION_DENIED: 'Permission denied.',
  CANCELLED: 'The job was cancelled.',
  WORKER_FAILED: 'A worker thread of the engine could not start or stopped.',
  NONFINITE: 'The output holds NaN or infinite values that Graft computed.',
  VERIFY_FAILED: 'The output did not read back as planned.',
  PLAN_STALE: 'The reviewed plan no longer matches its inputs.',
  TOKENIZER: 'A tokenizer file is malformed or inconsistent.',
  HUB: 'The Hugging Face Hub request failed.',
  OFFLINE: 'Graft is offline and will not use the network.',
  UNAVAILABLE: 'This feature is not available on this machine.',
  INTERNAL: 'An unexpected internal error.',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** What crosses the API for a failure. */
export interface ErrorInfo {
  code: ErrorCode
  message: string
  /** The file or folder that was wrong, when known. */
  file?: string
  /** The tensor that was wrong, when known. */
  tensor?: string
  /** What the user can do about it. */
  hint?: string
}
