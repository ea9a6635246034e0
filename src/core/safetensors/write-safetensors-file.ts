import { open, rename, rm } from 'node:fs/promises'
import type { Dtype } from '../../shared/dtypes'
import { GraftError } from '../errors'
import { encodeShardHeader, layoutShards, tensorByteLength } from './layout-shards'

export interface InMemoryTensor {
  name: string
  dtype: Dtype
  shape: number[]
  data: Uint8Array
}

/**
 * Writes a small safetensors file from tensors held in memory (fixtures, the demo model, edited
 * small files). Big outputs go through the plan executor instead. Atomic: temp file, fsync, rename.
 */
export async function writeSafetensorsFile(opts: { path: string; tensors: InMemoryTensor[]; metadata?: Record<string, string> }): Promise<void> {
  const layout = layoutShards({ tensors: opts.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, group: 0 })), metadata: opts.metadata ?? { format: 'pt' } })
  const byName = new Map(opts.tensors.map((t) => [t.name, t]))
  for (const t of opts.tensors) {
    if (t.data.byteLength !== tensorByteLength(t.dtype, t.shape))
      throw new GraftError('DTYPE_MISMATCH', `Tensor "${t.name}" has ${t.data.byteLength} bytes but shape [${t.shape}] of ${t.dtype} needs ${tensorByteLength(t.dtype, t.shape)}.`, { tensor: t.name })
  }
  const tmp = `${opts.path}.tmp-${process.pid}-${Date.now()}`
  const fh = await open(tmp, 'w')
  try {
    await fh.write(encodeShardHeader(layout.headers[0]), 0, undefined, 0)
    for (const p of layout.tensors) {
      const t = byName.get(p.name)!
      await fh.write(t.data, 0, t.data.byteLength, p.offset)
    }
    await fh.truncate(layout.shards[0].size)
    await fh.sync()
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw e
  }
  await fh.close()
  await rename(tmp, opts.path)
}
