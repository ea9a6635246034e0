import type { TensorRef } from '../../shared/plan'
import { runAll } from '../exec/execute-plan'
import { inProcessRunner } from '../exec/in-process-runner'
import { newControl, type TaskRunner, type WorkerTask } from '../exec/worker-task'
import { CancelledError } from '../errors'
import { matchPattern, readAdapter } from './read-adapter'

export interface ModuleDeltaNorm {
  module: string
  /** Layer index parsed from the module path (…layers.N…), or null. */
  layer: number | null
  kind: 'linear' | 'embedding'
  rank: number
  scaling: number
  /** ‖s·B·A‖_F, the size of the change the module makes. */
  norm: number
}

/**
 * Per-module size of an adapter's change, ‖s·B·A‖_F, without forming B·A (see
 * loraDeltaSquaredNorm). The Gram products run as pool tasks on `runner` (in-process by default),
 * one per module, so a large adapter never blocks the caller's thread. For the per-layer plot.
 */
export async function adapterDeltaNorms(opts: { dir: string; runner?: TaskRunner; signal?: AbortSignal }): Promise<ModuleDeltaNorm[]> {
  const ad = await readAdapter(opts.dir)
  const modules: { path: string; emb: boolean; a: TensorRef; b: TensorRef }[] = []
  for (const [key, a] of ad.tensors) {
    const emb = key.endsWith('.lora_embedding_A')
    if (!key.endsWith('.lora_A.weight') && !emb) continue
    const path = key.slice(0, -(emb ? '.lora_embedding_A'.length : '.lora_A.weight'.length))
    const b = ad.tensors.get(path + (emb ? '.lora_embedding_B' : '.lora_B.weight'))
    if (!b || a.shape.length !== 2 || b.shape.length !== 2) continue
    modules.push({ path, emb, a, b })
  }
  const control = newControl()
  const tasks: WorkerTask[] = modules.map((m) => ({ kind: 'lora-norm', a: m.a, b: m.b, control }))
  const signal = opts.signal ?? new AbortController().signal
  const onAbort = () => Atomics.store(new Int32Array(control, 0, 1), 0, 1)
  signal.addEventListener('abort', onAbort)
  let results: unknown[]
  try {
    results = await runAll(opts.runner ?? inProcessRunner(), tasks, signal)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  if (signal.aborted) throw new CancelledError()
  const out = modules.map(({ path, emb, a }, i): ModuleDeltaNorm => {
    const sq = (results[i] as { kind: 'lora-norm'; sq: number }).sq
    const r = a.shape[0]
    const alpha = matchPattern(ad.config.alphaPattern, path) ?? ad.config.loraAlpha
    const scaling = ad.config.useRslora ? alpha / Math.sqrt(r) : alpha / r
    const m = /(?:^|\.)(?:layers|h|blocks|layer)\.(\d+)\./.exec(path)
    return { module: path, layer: m ? Number(m[1]) : null, kind: emb ? 'embedding' : 'linear', rank: r, scaling, norm: Math.abs(scaling) * Math.sqrt(sq) }
  })
  return out.sort((x, y) => (x.layer ?? -1) - (y.layer ?? -1) || (x.module < y.module ? -1 : 1))
}
