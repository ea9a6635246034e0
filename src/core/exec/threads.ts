import { availableParallelism } from 'node:os'

/**
 * Engine worker threads by default: twice the cores, at most 8. A chunk alternates between
 * waiting for its read, computing and writing, so more threads than cores keep both the disk and
 * the cores busy. 7B merge on 2 cores: 18.7 s with 2 threads, 16.2 s with 3, 15.3 s with 4
 * (`npm run bench -- --shape 7b --case merge --threads N`; peak RSS 233 → 332 MB).
 */
export function defaultThreads(): number {
  return Math.min(8, 2 * availableParallelism())
}

/** Measured process baseline (Node, the main thread, the plan) and per-thread cost beyond chunk buffers. */
export const BASE_PROCESS_BYTES = 120 << 20
export const PER_THREAD_OVERHEAD_BYTES = 10 << 20
