import { basename, join, resolve } from 'node:path'
import type { ModelSummary, TensorInfo } from '../../shared/api'
import { errorFromInfo, GraftError } from '../errors'
import { openCheckpoint } from '../safetensors/open-checkpoint'
import { describeFolder, readJsonOrNull, type EntryOrigin } from './describe-folder'

/**
 * The details behind model.inspect: the Library entry, the folder's config (config.json for a
 * model, adapter_config.json for an adapter, tokenizer_config.json for a tokenizer) and every
 * tensor named in the safetensors headers, in file then data order. Reads headers only.
 */
export async function summarizeModel(opts: { path: string; origin?: EntryOrigin; repoId?: string; name?: string }): Promise<ModelSummary> {
  const dir = resolve(opts.path)
  const entry = await describeFolder({ dir, origin: opts.origin ?? 'folder', repoId: opts.repoId, name: opts.name })
  if (!entry)
    throw new GraftError('NOT_A_MODEL', `${dir} holds no model, adapter or tokenizer.`, {
      file: dir,
      hint: 'Choose the folder that holds config.json and *.safetensors, adapter_config.json, or tokenizer.json.',
    })
  if (entry.error) throw errorFromInfo(entry.error)
  const configFile = entry.kind === 'model' ? 'config.json' : entry.kind === 'adapter' ? 'adapter_config.json' : 'tokenizer_config.json'
  const config = await readJsonOrNull(join(dir, configFile))
  let tensors: TensorInfo[] = []
  if (entry.kind !== 'tokenizer') {
    const ck = await openCheckpoint({ dir, weightsName: entry.kind === 'adapter' ? 'adapter_model.safetensors' : undefined })
    tensors = [...ck.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: t.byteLength, file: basename(t.file) }))
  }
  return { entry, config, tensors }
}
