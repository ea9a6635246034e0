import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { isFloatDtype, type Dtype } from '../../shared/dtypes'
import type { FileEdit, Plan } from '../../shared/plan'
import { readModelInfo } from '../model/read-model-info'
import { finishPlan, type TensorDraft } from './finish-plan'

const WEIGHT_FILE = /(\.safetensors|\.bin|\.pt|\.pth|\.ckpt|\.gguf|safetensors\.index\.json|bin\.index\.json)$/

/**
 * Plans a copy of a model, optionally casting float tensors and resharding: every tensor is a
 * `copy` (or `cast`) recipe and every other file is copied. This is the copy-through plan the
 * benchmark compares with `cp`.
 */
export async function planConvert(opts: { base: string; out: string; dtype?: Dtype | 'keep'; maxShardBytes?: number }): Promise<Plan> {
  const info = await readModelInfo(opts.base)
  const choice = opts.dtype ?? 'keep'
  const fileIndex = new Map(info.checkpoint.files.map((f, i) => [f, i]))
  const drafts: TensorDraft[] = [...info.checkpoint.tensors.values()].map((ref) => ({
    name: ref.name,
    dtype: choice !== 'keep' && isFloatDtype(ref.dtype) ? choice : ref.dtype,
    shape: [...ref.shape],
    source: ref,
    sourceRole: 'base',
    group: fileIndex.get(ref.file) ?? 0,
  }))
  const files: FileEdit[] = []
  for (const e of await readdir(info.dir, { withFileTypes: true })) {
    if (!e.isFile() && !e.isSymbolicLink()) continue
    if (e.name.startsWith('.') || WEIGHT_FILE.test(e.name)) continue
    files.push({ kind: 'copy', from: join(info.dir, e.name), path: e.name, reason: 'copied from the input' })
  }
  return finishPlan({
    operation: 'convert',
    title: `Copy ${info.dir}${choice !== 'keep' ? ` as ${choice}` : ''}`,
    inputs: [{ role: 'base', path: info.dir }],
    outDir: opts.out,
    dtype: choice,
    maxShardBytes: opts.maxShardBytes,
    metadata: { format: 'pt', ...info.checkpoint.metadata },
    drafts,
    stats: [],
    files,
    decisions: [],
    warnings: [],
  })
}
