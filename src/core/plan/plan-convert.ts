import { join } from 'node:path'
import { isFloatDtype, type Dtype } from '../../shared/dtypes'
import type { FileEdit, Plan, PlanNote } from '../../shared/plan'
import { readModelInfo } from '../model/read-model-info'
import { finishPlan, type TensorDraft } from './finish-plan'
import { copyModelFiles } from './model-files'
import { editJsonText } from '../json/edit-json-text'


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
  const warnings: PlanNote[] = []
  const files: FileEdit[] = await copyModelFiles({ dir: info.dir, skip: ['config.json'], warnings })
  const dtypeName = choice === 'BF16' ? 'bfloat16' : choice === 'F16' ? 'float16' : 'float32'
  const edits = choice === 'keep' ? [] : [...('torch_dtype' in info.config ? [{ path: ['torch_dtype'], value: dtypeName }] : []), ...('dtype' in info.config || !('torch_dtype' in info.config) ? [{ path: ['dtype'], value: dtypeName }] : [])]
  files.unshift({ kind: 'write', path: 'config.json', content: editJsonText(info.configText, edits, join(info.dir, 'config.json')), reason: choice === 'keep' ? 'copied from the input' : `dtype set to ${dtypeName}` })
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
    warnings,
  })
}
