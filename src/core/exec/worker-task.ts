import type { ChunkTask } from './run-chunk'
import type { StatChunkTask, StatPartial } from './run-stat-chunk'
import type { RowScan, RowScanTask } from './scan-rows'
import type { TensorRef } from '../../shared/plan'

/**
 * What a pool worker receives. `control` is a SharedArrayBuffer shared by all tasks of one job:
 * Int32 slot 0 is the cancel flag; BigInt64 slot 1 counts bytes done.
 */
export type WorkerTask =
  | { kind: 'chunk'; chunk: Omit<ChunkTask, 'stats'> & { stats: Record<number, number[]> }; control: SharedArrayBuffer }
  | { kind: 'stat'; stat: StatChunkTask; control: SharedArrayBuffer }
  | { kind: 'hash'; file: string; control: SharedArrayBuffer }
  | { kind: 'rows'; scan: RowScanTask; control: SharedArrayBuffer }
  /** ‖B·A‖²_F of one LoRA module (lora_A (r, in) and lora_B (out, r) refs), for the per-layer plot. */
  | { kind: 'lora-norm'; a: TensorRef; b: TensorRef; control: SharedArrayBuffer }

export type WorkerResult = { kind: 'chunk' } | { kind: 'stat'; partial: StatPartial } | { kind: 'hash'; sha256: string; bytes: number } | { kind: 'rows'; scan: RowScan } | { kind: 'lora-norm'; sq: number }

/** Runs worker tasks: a piscina pool in the app and CLI, or in-process in unit tests. */
export interface TaskRunner {
  run(task: WorkerTask, signal: AbortSignal): Promise<WorkerResult>
  /** How many tasks may run at once. */
  readonly concurrency: number
}

export const CONTROL_BYTES = 16

export function newControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES)
}

export function controlViews(control: SharedArrayBuffer): { cancel: Int32Array; bytes: BigInt64Array } {
  return { cancel: new Int32Array(control, 0, 1), bytes: new BigInt64Array(control, 8, 1) }
}
