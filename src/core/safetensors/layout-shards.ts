import { DTYPE_BITS, DTYPE_ORDER, type Dtype } from '../../shared/dtypes'
import type { ShardLayout } from '../../shared/plan'
import { GraftError } from '../errors'
import { MAX_HEADER_BYTES } from './read-safetensors-header'

export interface LayoutTensor {
  name: string
  dtype: Dtype
  shape: number[]
  /** Preferred shard (sharding like the base); ignored when maxShardBytes is set. */
  group?: number
}

export interface PlacedTensor extends LayoutTensor {
  shard: number
  /** Absolute offset in the shard file. */
  offset: number
  byteLength: number
}

export interface ShardedLayout {
  shards: ShardLayout[]
  /** Header JSON text per shard (already padded). */
  headers: string[]
  tensors: PlacedTensor[]
  indexed: boolean
  totalBytes: number
}

export function tensorByteLength(dtype: Dtype, shape: number[]): number {
  const bits = shape.reduce((a, d) => a * d, 1) * DTYPE_BITS[dtype]
  return Math.ceil(bits / 8)
}

export function shardFileName(i: number, n: number, prefix = 'model'): string {
  if (n === 1) return `${prefix}.safetensors`
  const pad = (k: number) => String(k).padStart(5, '0')
  return `${prefix}-${pad(i + 1)}-of-${pad(n)}.safetensors`
}

/**
 * Fixes the whole output layout before any byte is written: which shard each tensor goes to,
 * each shard's header, and every tensor's absolute byte offset. Shards fill greedily in the given
 * order up to maxShardBytes (a single tensor larger than the limit gets a shard of its own), or
 * follow `group` when no limit is given. Within a shard, tensors are ordered as the safetensors
 * writer orders them: dtype descending, then name.
 */
export function layoutShards(opts: { tensors: LayoutTensor[]; maxShardBytes?: number; metadata?: Record<string, string>; prefix?: string }): ShardedLayout {
  const { tensors, maxShardBytes, metadata = { format: 'pt' }, prefix = 'model' } = opts
  const groups: LayoutTensor[][] = []
  if (maxShardBytes && maxShardBytes > 0) {
    let cur: LayoutTensor[] = []
    let size = 0
    for (const t of tensors) {
      const b = tensorByteLength(t.dtype, t.shape)
      if (cur.length > 0 && size + b > maxShardBytes) {
        groups.push(cur)
        cur = []
        size = 0
      }
      cur.push(t)
      size += b
    }
    if (cur.length > 0 || groups.length === 0) groups.push(cur)
  } else {
    const byGroup = new Map<number, LayoutTensor[]>()
    for (const t of tensors) {
      const g = t.group ?? 0
      if (!byGroup.has(g)) byGroup.set(g, [])
      byGroup.get(g)!.push(t)
    }
    for (const g of [...byGroup.keys()].sort((a, b) => a - b)) groups.push(byGroup.get(g)!)
    if (groups.length === 0) groups.push([])
  }
  const rank = (d: Dtype) => DTYPE_ORDER.indexOf(d)
  const shards: ShardLayout[] = []
  const headers: string[] = []
  const placed: PlacedTensor[] = []
  let totalBytes = 0
  groups.forEach((group, i) => {
    const ordered = [...group].sort((a, b) => rank(b.dtype) - rank(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const header: Record<string, unknown> = { __metadata__: metadata }
    let cursor = 0
    const local: { t: LayoutTensor; begin: number; len: number }[] = []
    for (const t of ordered) {
      const len = tensorByteLength(t.dtype, t.shape)
      header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [cursor, cursor + len] }
      local.push({ t, begin: cursor, len })
      cursor += len
    }
    let json = JSON.stringify(header)
    const jsonBytes = Buffer.byteLength(json, 'utf8')
    const padded = Math.ceil(jsonBytes / 8) * 8
    json += ' '.repeat(padded - jsonBytes)
    if (padded > MAX_HEADER_BYTES) throw new GraftError('HEADER_TOO_LARGE', `The output shard ${i + 1} would need a ${padded}-byte header.`, { hint: 'Use a smaller --max-shard-size.' })
    const dataStart = 8 + padded
    shards.push({ file: shardFileName(i, groups.length, prefix), headerLength: padded, dataStart, size: dataStart + cursor })
    headers.push(json)
    for (const { t, begin, len } of local) placed.push({ ...t, shard: i, offset: dataStart + begin, byteLength: len })
    totalBytes += cursor
  })
  return { shards, headers, tensors: placed, indexed: shards.length > 1, totalBytes }
}

/** The u64 length prefix plus header bytes of one shard. */
export function encodeShardHeader(json: string): Buffer {
  const body = Buffer.from(json, 'utf8')
  const out = Buffer.alloc(8 + body.length)
  out.writeBigUInt64LE(BigInt(body.length), 0)
  body.copy(out, 8)
  return out
}

/** transformers' index file: metadata.total_size and weight_map, keys sorted. */
export function buildIndexJson(layout: ShardedLayout): string {
  const weightMap: Record<string, string> = {}
  for (const t of [...layout.tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) weightMap[t.name] = layout.shards[t.shard].file
  return JSON.stringify({ metadata: { total_size: layout.totalBytes }, weight_map: weightMap }, null, 2) + '\n'
}
