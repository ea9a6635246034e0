/** Progress of a long job, sent at least four times a second while it runs. */
export interface JobProgress {
  phase: 'planning' | 'stats' | 'tensors' | 'hashing' | 'downloading' | 'uploading' | 'finalizing' | 'verifying' | 'done'
  bytesDone: number
  bytesTotal: number
  tensorsDone: number
  tensorsTotal: number
  /** Bytes per second over the job so far. */
  bytesPerSec: number
  /** Seconds left at the current speed; null until known. */
  etaSec: number | null
  /** The item being worked on (tensor or file), for display. */
  current?: string
}
