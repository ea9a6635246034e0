import { DTYPE_BITS, isDtype, type Dtype } from '../../shared/dtypes'
import { GraftError } from '../errors'
import { jsonErrorPlace, openInputFile } from '../exec/read-input-file'
import { parseJsonText, RAW_NUMBERS, type JsonArray, type JsonObject, type JsonValue } from '../json/json-text'

/** A short description of a JSON value for messages (never a deep JSON.stringify of untrusted input). */
function preview(v: unknown): string {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (Array.isArray(v)) return v.length <= 8 && v.every((x) => typeof x === 'number') ? `[${v.join(', ')}]` : `an array of ${v.length}`
  return typeof v === 'object' ? 'an object' : typeof v
}

/** The format's own limit (safetensors MAX_HEADER_SIZE): protects against absurd allocations. */
export const MAX_HEADER_BYTES = 100_000_000

export interface TensorEntry {
  name: string
  dtype: Dtype
  shape: number[]
  /** Offsets relative to the data section, as in the file. */
  begin: number
  end: number
}

export interface SafetensorsHeader {
  file: string
  headerLength: number
  /** Absolute offset of the data section: 8 + headerLength. */
  dataStart: number
  fileSize: number
  metadata: Record<string, string> | null
  /** In data order (sorted by begin). */
  tensors: TensorEntry[]
}

/**
 * Parses and validates a safetensors header with the reference reader's rules, in its order:
 * size limits, UTF-8 JSON object, string metadata, exact dtype names, non-negative integer
 * shapes and offsets, contiguous non-overlapping data with no gaps and no trailing bytes, and
 * shape × dtype size equal to the byte span (computed with BigInt).
 */
export function parseSafetensorsHeader(opts: { file: string; prefix: Uint8Array; fileSize: number }): SafetensorsHeader {
  const { file, prefix, fileSize } = opts
  const fail = (code: 'BAD_HEADER' | 'TRUNCATED_FILE' | 'HEADER_TOO_LARGE' | 'BAD_OFFSETS' | 'DTYPE_MISMATCH', message: string, tensor?: string) =>
    new GraftError(code, `${file}: ${message}`, {
      file,
      tensor,
      hint: code === 'TRUNCATED_FILE' ? 'The file was probably cut short by an interrupted download or copy; fetch it again.' : 'The file is not a valid safetensors file; re-export or re-download it.',
    })
  if (fileSize < 8) throw fail('TRUNCATED_FILE', `file is ${fileSize} bytes, too small to hold a safetensors header`)
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength)
  const n = view.getBigUint64(0, true)
  if (n > BigInt(MAX_HEADER_BYTES)) throw fail('HEADER_TOO_LARGE', `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`)
  const headerLength = Number(n)
  if (8 + headerLength > fileSize) throw fail('TRUNCATED_FILE', `header length ${headerLength} runs past the end of the ${fileSize}-byte file`)
  if (prefix.byteLength < 8 + headerLength) throw fail('TRUNCATED_FILE', `could read only ${prefix.byteLength} of ${8 + headerLength} header bytes`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(prefix.subarray(8, 8 + headerLength))
  } catch {
    throw fail('BAD_HEADER', 'header is not valid UTF-8')
  }
  const firstNonSpace = text.search(/[^ \t\r\n]/)
  if (firstNonSpace < 0 || text[firstNonSpace] !== '{') throw fail('BAD_HEADER', 'header is not a JSON object')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    const place = jsonErrorPlace(text)
    throw fail('BAD_HEADER', `header is not valid JSON${place ? ` (${place})` : ''}`)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw fail('BAD_HEADER', 'header is not a JSON object')

  let metadata: Record<string, string> | null = null
  const tensors: TensorEntry[] = []
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null) continue
      if (typeof value !== 'object' || Array.isArray(value)) throw fail('BAD_HEADER', '__metadata__ must be an object of strings')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw fail('BAD_HEADER', `__metadata__.${k} must be a string`)
      }
      metadata = value as Record<string, string>
      continue
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('BAD_HEADER', `entry for tensor "${name}" is not an object`, name)
    const v = value as Record<string, unknown>
    if (!isDtype(v.dtype)) throw fail('BAD_HEADER', `tensor "${name}" has unknown dtype ${preview(v.dtype)}`, name)
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
      throw fail('BAD_HEADER', `tensor "${name}" has an invalid shape ${preview(v.shape)}`, name)
    const off = v.data_offsets
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
      throw fail('BAD_HEADER', `tensor "${name}" has invalid data_offsets ${preview(off)}`, name)
    tensors.push({ name, dtype: v.dtype, shape: v.shape as number[], begin: off[0] as number, end: off[1] as number })
  }
  checkHeaderText(text, fail)
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end)
  let cursor = 0
  for (const t of tensors) {
    if (t.begin !== cursor || t.end < t.begin)
      throw fail('BAD_OFFSETS', `tensor "${t.name}" occupies bytes [${t.begin}, ${t.end}) but the previous tensor ends at ${cursor} (gap, overlap or shared bytes)`, t.name)
    cursor = t.end
    const nelem = t.shape.reduce((acc, d) => acc * BigInt(d), 1n)
    const nbits = nelem * BigInt(DTYPE_BITS[t.dtype])
    if (nbits % 8n !== 0n) throw fail('BAD_OFFSETS', `tensor "${t.name}" of ${t.dtype} has ${nelem} elements, which is not a whole number of bytes`, t.name)
    if (BigInt(t.end - t.begin) !== nbits / 8n)
      throw fail('DTYPE_MISMATCH', `tensor "${t.name}" has shape [${t.shape}] of ${t.dtype} (${nbits / 8n} bytes) but its byte range holds ${t.end - t.begin} bytes`, t.name)
  }
  const expected = 8 + headerLength + cursor
  if (expected > fileSize) throw fail('TRUNCATED_FILE', `tensor data needs ${expected} bytes but the file has ${fileSize}`)
  if (expected < fileSize) throw fail('BAD_OFFSETS', `file has ${fileSize - expected} trailing bytes after the last tensor`)
  return { file, headerLength, dataStart: 8 + headerLength, fileSize, metadata, tensors }
}

/**
 * Reads and validates the header of one safetensors file; the file is opened read-only, and
 * only if it is a regular file (a folder, pipe or looping link of that name is NOT_A_MODEL).
 */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const { fh, size } = await openInputFile(file, { code: 'NOT_A_MODEL', hint: 'A .safetensors name must be a safetensors file; move the folder or fix the link.' })
  try {
    const head = Buffer.alloc(Math.min(8, size))
    await fh.read(head, 0, head.length, 0)
    if (size < 8) return parseSafetensorsHeader({ file, prefix: head, fileSize: size })
    const n = head.readBigUInt64LE(0)
    const want = n > BigInt(MAX_HEADER_BYTES) || Number(n) + 8 > size ? 8 : 8 + Number(n)
    const prefix = Buffer.alloc(want)
    const { bytesRead } = await fh.read(prefix, 0, want, 0)
    return parseSafetensorsHeader({ file, prefix: prefix.subarray(0, bytesRead), fileSize: size })
  } finally {
    await fh.close()
  }
}

/**
 * What JSON.parse hides but the Rust reader (serde) refuses, found in the header's text: a
 * repeated `__metadata__`, a field repeated inside a tensor entry, and a shape or offset written
 * as anything but a plain integer (`8.0`, `1e3`). A repeated tensor name stays last-wins,
 * as in Rust (the offsets check then finds the hole the first one leaves). Runs after the
 * structure checks, so the text is known to be shallow where it matters; anything nested deeper
 * than the stack allows is refused, as serde refuses past 128 levels.
 */
function checkHeaderText(text: string, fail: (code: 'BAD_HEADER', message: string, tensor?: string) => GraftError): void {
  let scanned: JsonValue
  try {
    scanned = parseJsonText(text, {
      onDuplicateKey: (key, path) => {
        if (path.length === 0 && key === '__metadata__') throw fail('BAD_HEADER', 'header has __metadata__ twice')
        if (path.length === 1 && path[0] !== '__metadata__') throw fail('BAD_HEADER', `entry for tensor "${path[0]}" has "${key}" twice`, path[0])
      },
    })
  } catch (e) {
    if (e instanceof RangeError) throw fail('BAD_HEADER', 'header nests too deeply')
    throw e
  }
  for (const [name, value] of Object.entries(scanned as JsonObject)) {
    if (name === '__metadata__' || value === null || typeof value !== 'object' || Array.isArray(value)) continue
    for (const field of ['shape', 'data_offsets'] as const) {
      const raw = (value[field] as JsonArray | undefined)?.[RAW_NUMBERS]
      const literal = raw?.values().next().value
      if (literal !== undefined) throw fail('BAD_HEADER', `tensor "${name}" has ${field === 'shape' ? 'a dimension' : 'a data offset'} written as ${literal}, not as an integer`, name)
    }
  }
}
