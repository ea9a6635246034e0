import { createHash } from 'node:crypto'
import { FileIo } from './file-io'
import { runChunk } from './run-chunk'
import { runStatChunk } from './run-stat-chunk'
import { rowRangeBytes, scanRows } from './scan-rows'
import { loraDeltaSquaredNorm } from '../lora/lora-delta-norm'
import { controlViews, type WorkerResult, type WorkerTask } from './worker-task'
import { CancelledError } from '../errors'
import { readSync, closeSync } from 'node:fs'
import { openInputFileSync } from './read-input-file'

/** Executes one worker task on the calling thread (a pool worker, or the test's own thread). */
export function performTask(task: WorkerTask): WorkerResult {
  // Descriptors live for one task only, so a file replaced between jobs is never read stale.
  const io = new FileIo()
  try {
    return perform(task, io)
  } finally {
    io.close()
  }
}

function perform(task: WorkerTask, io: FileIo): WorkerResult {
  const { cancel, bytes } = controlViews(task.control)
  const onBytes = (n: number) => Atomics.add(bytes, 0, BigInt(n))
  if (task.kind === 'chunk') {
    const stats: Record<number, Float32Array> = {}
    for (const [k, v] of Object.entries(task.chunk.stats)) stats[Number(k)] = Float32Array.from(v)
    runChunk({ ...task.chunk, stats }, { io, cancel, onBytes })
    return { kind: 'chunk' }
  }
  if (task.kind === 'stat') {
    if (Atomics.load(cancel, 0) !== 0) throw new CancelledError()
    const partial = runStatChunk(task.stat, io)
    onBytes(0)
    return { kind: 'stat', partial }
  }
  if (task.kind === 'rows') {
    if (Atomics.load(cancel, 0) !== 0) throw new CancelledError()
    const scan = scanRows(task.scan, io)
    onBytes(rowRangeBytes(task.scan.tensor, task.scan.rowStart, task.scan.rowEnd))
    return { kind: 'rows', scan }
  }
  if (task.kind === 'lora-norm') {
    if (Atomics.load(cancel, 0) !== 0) throw new CancelledError()
    const sq = loraDeltaSquaredNorm(io, task.a, task.b)
    onBytes(task.a.byteLength + task.b.byteLength)
    return { kind: 'lora-norm', sq }
  }
  // hash: stream the file through sha256 in bounded slices.
  const h = createHash('sha256')
  const { fd } = openInputFileSync(task.file)
  const buf = Buffer.alloc(4 << 20)
  let total = 0
  try {
    for (;;) {
      if (Atomics.load(cancel, 0) !== 0) throw new CancelledError()
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      h.update(buf.subarray(0, n))
      total += n
      onBytes(n)
    }
  } finally {
    closeSync(fd)
  }
  return { kind: 'hash', sha256: h.digest('hex'), bytes: total }
}
