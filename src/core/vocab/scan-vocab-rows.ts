import type { TensorRef } from '../../shared/plan'
import { CHUNK_F32_BYTES, runAll } from '../exec/execute-plan'
import { rowGeometry } from '../exec/run-chunk'
import type { RowScan } from '../exec/scan-rows'
import { newControl, controlViews, type TaskRunner, type WorkerTask } from '../exec/worker-task'
import type { ModelInfo } from '../model/read-model-info'

/** The untrained-row threshold (Unsloth's eps): a row is untrained when every |x| ≤ this. */
export const UNTRAINED_EPS = 1e-16

export interface TensorRowFacts {
  name: string
  rows: number
  norms: Float32Array
  maxAbs: Float32Array
  hashes: Uint32Array
}

export interface VocabRowScan {
  embed: TensorRowFacts | null
  head: TensorRowFacts | null
  /** Embedding rows that are all zeros (within eps). */
  untrainedEmbed: number[]
  /** Head rows that are zero, or that repeat among the head rows of untrained embedding rows. */
  untrainedHead: number[]
  /** Rows untrained in both (the ones that turn training into NaNs). */
  untrained: number[]
}

/** The row ranges a scan of a tensor of this shape is cut into (each decodes to at most CHUNK_F32_BYTES of f32). */
export function scanRanges(shape: number[]): [number, number][] {
  const { rows, rowElems } = rowGeometry(shape)
  const per = Math.max(1, Math.floor(CHUNK_F32_BYTES / (4 * Math.max(1, rowElems))))
  const out: [number, number][] = []
  for (let r = 0; r < rows; r += per) out.push([r, Math.min(rows, r + per)])
  return out
}

async function scanTensor(ref: TensorRef, runner: TaskRunner, signal: AbortSignal): Promise<TensorRowFacts> {
  const { rows } = rowGeometry(ref.shape)
  const control = newControl()
  const onAbort = () => Atomics.store(controlViews(control).cancel, 0, 1)
  signal.addEventListener('abort', onAbort)
  try {
    const tasks: WorkerTask[] = []
    for (const [r0, r1] of scanRanges(ref.shape)) tasks.push({ kind: 'rows', scan: { tensor: ref, rowStart: r0, rowEnd: r1 }, control })
    const parts = (await runAll(runner, tasks, signal)) as { scan: RowScan }[]
    const norms = new Float32Array(rows)
    const maxAbs = new Float32Array(rows)
    const hashes = new Uint32Array(rows)
    for (const { scan } of parts) {
      norms.set(scan.norms, scan.rowStart)
      maxAbs.set(scan.maxAbs, scan.rowStart)
      hashes.set(scan.hashes, scan.rowStart)
    }
    return { name: ref.name, rows, norms, maxAbs, hashes }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Reads the embedding and head row by row in the pool and finds untrained rows: embedding rows
 * whose values are all within eps of zero, and head rows that are zero or that repeat among the
 * head rows of those tokens (Llama 3.1's untrained head rows are equal, not zero).
 */
export async function scanVocabRows(opts: { info: ModelInfo; runner: TaskRunner; signal?: AbortSignal; eps?: number }): Promise<VocabRowScan> {
  const { info, runner } = opts
  const signal = opts.signal ?? new AbortController().signal
  const eps = opts.eps ?? UNTRAINED_EPS
  const embedRef = info.embedName ? info.checkpoint.tensors.get(info.embedName)! : null
  const headRef = info.headName && !info.tied ? info.checkpoint.tensors.get(info.headName)! : null
  const embed = embedRef ? await scanTensor(embedRef, runner, signal) : null
  const head = headRef ? await scanTensor(headRef, runner, signal) : null
  const untrainedEmbed: number[] = []
  if (embed) for (let i = 0; i < embed.rows; i++) if (!(embed.maxAbs[i] > eps)) untrainedEmbed.push(i)
  const untrainedHead: number[] = []
  if (head) {
    const counts = new Map<number, number>()
    for (const i of untrainedEmbed) if (i < head.rows) counts.set(head.hashes[i], (counts.get(head.hashes[i]) ?? 0) + 1)
    for (let i = 0; i < head.rows; i++) {
      const zero = !(head.maxAbs[i] > eps)
      const repeated = untrainedEmbed.length > 0 && (counts.get(head.hashes[i]) ?? 0) >= 2 && binaryHas(untrainedEmbed, i)
      if (zero || repeated) untrainedHead.push(i)
    }
  }
  const untrained = head ? untrainedEmbed.filter((i) => binaryHas(untrainedHead, i)) : untrainedEmbed
  return { embed, head, untrainedEmbed, untrainedHead, untrained }
}

function binaryHas(sorted: number[], x: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const m = (lo + hi) >> 1
    if (sorted[m] === x) return true
    if (sorted[m] < x) lo = m + 1
    else hi = m - 1
  }
  return false
}
