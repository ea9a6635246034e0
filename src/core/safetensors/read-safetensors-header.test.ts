import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DTYPE_BITS, isDtype, type Dtype } from '../../shared/dtypes'
import type { ErrorCode } from '../../shared/errors'
import { GraftError } from '../errors'
import { MAX_HEADER_BYTES, parseSafetensorsHeader, readSafetensorsHeader, type SafetensorsHeader } from './read-safetensors-header'
import { writeSafetensorsFile } from './write-safetensors-file'

// ---------------------------------------------------------------------------------------------
// Builders: every file here is made byte by byte, independently of the writer under test.
// ---------------------------------------------------------------------------------------------

const enc = new TextEncoder()

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function u64(n: bigint | number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return b
}

/** A file: N (the header byte length unless overridden), the header bytes, then `data` bytes. */
function file(header: string | Uint8Array | object, data: number | Uint8Array = 0, n?: bigint | number): Uint8Array {
  const h = header instanceof Uint8Array ? header : enc.encode(typeof header === 'string' ? header : JSON.stringify(header))
  const d = typeof data === 'number' ? new Uint8Array(data).map((_, i) => i & 0xff) : data
  return concat(u64(n ?? h.length), h, d)
}

/** One tensor entry. */
const T = (dtype: unknown, shape: unknown, offsets: unknown, extra: object = {}) => ({ dtype, shape, data_offsets: offsets, ...extra })

/** Deeply nested JSON array text: parses fine with V8's iterative parser, but recursive code chokes on it. */
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

const NAME = (i: number) => `case-${String(i).padStart(2, '0')}.safetensors`

function parse(bytes: Uint8Array, name = 'mem.safetensors'): SafetensorsHeader {
  return parseSafetensorsHeader({ file: name, prefix: bytes, fileSize: bytes.length })
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw, but it parsed')
}

async function catchErrAsync(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection, but it parsed')
}

// ---------------------------------------------------------------------------------------------
// The malformed table (style-anchors §2 reader rules 1–13).
// ---------------------------------------------------------------------------------------------

interface BadCase {
  what: string
  bytes: Uint8Array
  code: ErrorCode
  /** The tensor the error must name (message and .tensor). */
  tensor?: string
}

const W = { dtype: 'F32', shape: [2], data_offsets: [0, 8] } // a valid 8-byte tensor

const BAD: BadCase[] = [
  // Rule 1: at least 8 bytes.
  { what: 'empty file', bytes: new Uint8Array(0), code: 'TRUNCATED_FILE' },
  { what: 'file < 8 bytes', bytes: new Uint8Array([2, 0, 0, 0, 0]), code: 'TRUNCATED_FILE' },
  // Rule 2: N ≤ 100 MB, checked before reading.
  { what: 'N = 100 MB + 1', bytes: file('{}', 0, MAX_HEADER_BYTES + 1), code: 'HEADER_TOO_LARGE' },
  { what: 'N = 2^64 - 1', bytes: file('{}', 0, (1n << 64n) - 1n), code: 'HEADER_TOO_LARGE' },
  // Rule 3: 8 + N ≤ file length; N = 0 is an empty (invalid) header.
  { what: 'N past EOF', bytes: file('{}', 0, 1000), code: 'TRUNCATED_FILE' },
  { what: 'N one past EOF', bytes: file('{}', 0, 3), code: 'TRUNCATED_FILE' },
  { what: 'N = 0', bytes: file(new Uint8Array(0)), code: 'BAD_HEADER' },
  // Rule 4: UTF-8.
  { what: 'invalid UTF-8 byte 0xFF', bytes: file(concat(enc.encode('{"a'), new Uint8Array([0xff]), enc.encode('":null}'))), code: 'BAD_HEADER' },
  { what: 'UTF-8-encoded surrogate (ED A0 80)', bytes: file(concat(enc.encode('{"'), new Uint8Array([0xed, 0xa0, 0x80]), enc.encode('":1}'))), code: 'BAD_HEADER' },
  { what: 'overlong UTF-8 for "{" (C1 BB)', bytes: file(new Uint8Array([0xc1, 0xbb, 0x7d])), code: 'BAD_HEADER' },
  // Rule 5: one JSON object; whitespace only around it.
  { what: 'header is an array', bytes: file('[]'), code: 'BAD_HEADER' },
  { what: 'header is a string', bytes: file('"{}"'), code: 'BAD_HEADER' },
  { what: 'header is a number', bytes: file('42'), code: 'BAD_HEADER' },
  { what: 'header is null', bytes: file('null'), code: 'BAD_HEADER' },
  { what: 'header is only spaces', bytes: file('        '), code: 'BAD_HEADER' },
  { what: 'leading BOM', bytes: file(concat(new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode('{}'))), code: 'BAD_HEADER' },
  { what: 'NUL padding after JSON', bytes: file(concat(enc.encode('{}'), new Uint8Array(6))), code: 'BAD_HEADER' },
  { what: 'trailing garbage after JSON', bytes: file('{} x'), code: 'BAD_HEADER' },
  { what: 'two JSON objects', bytes: file('{}{}'), code: 'BAD_HEADER' },
  { what: 'JSON cut short', bytes: file('{"a": {"dtype": "F32"'), code: 'BAD_HEADER' },
  { what: 'form feed before { (not JSON whitespace)', bytes: file('\f{}'), code: 'BAD_HEADER' },
  // Rule 6: __metadata__ is string → string.
  { what: 'metadata with a number value', bytes: file({ __metadata__: { format: 'pt', epoch: 3 } }), code: 'BAD_HEADER' },
  { what: 'nested metadata', bytes: file({ __metadata__: { format: { nested: 'pt' } } }), code: 'BAD_HEADER' },
  { what: 'metadata with a null value', bytes: file({ __metadata__: { format: null } }), code: 'BAD_HEADER' },
  { what: 'metadata is an array', bytes: file({ __metadata__: ['pt'] }), code: 'BAD_HEADER' },
  { what: 'metadata is a string', bytes: file({ __metadata__: 'pt' }), code: 'BAD_HEADER' },
  // Rule 6 in the raw text (serde sees what JSON.parse hides): __metadata__ twice.
  { what: '__metadata__ twice (held-out metadata_duplicate)', bytes: file('{"__metadata__":{"format":"pt"},"__metadata__":{"format":"np"}}'), code: 'BAD_HEADER' },
  { what: '__metadata__ twice, the first null', bytes: file('{"__metadata__":null,"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"__metadata__":{}}'), code: 'BAD_HEADER' },
  { what: 'a field twice in a tensor entry', bytes: file('{"w":{"dtype":"U8","shape":[4],"shape":[4],"data_offsets":[0,4]}}', 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dtype twice in a tensor entry', bytes: file('{"w":{"dtype":"F32","dtype":"U8","shape":[4],"data_offsets":[0,4]}}', 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'an unknown field nested past any stack', bytes: file(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":${deepArray(100_000)}}}`), code: 'BAD_HEADER' },
  // Rule 7: a tensor entry is an object with dtype, shape, data_offsets.
  { what: 'tensor entry is a number', bytes: file({ w: 5 }), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'tensor entry is an array', bytes: file({ w: ['F32', [2], [0, 8]] }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'tensor entry is null', bytes: file({ w: null }), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'tensor entry is a string', bytes: file({ w: 'F32' }), code: 'BAD_HEADER', tensor: 'w' },
  // Rule 8: exact dtype names.
  { what: 'unknown dtype F128', bytes: file({ w: T('F128', [2], [0, 32]) }, 32), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'lowercase dtype f32', bytes: file({ w: T('f32', [2], [0, 8]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dtype with a space', bytes: file({ w: T('F32 ', [2], [0, 8]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dtype is a number', bytes: file({ w: T(32, [2], [0, 8]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dtype missing', bytes: file({ w: { shape: [2], data_offsets: [0, 8] } }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dtype "toString" (inherited, not own)', bytes: file({ w: T('toString', [2], [0, 8]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  // Rule 9: shape is an array of non-negative safe integers.
  { what: 'negative dim', bytes: file({ w: T('F32', [-1], [0, 4]) }, 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'float dim 4.5', bytes: file({ w: T('U8', [4.5], [0, 4]) }, 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'string dim "4"', bytes: file({ w: T('U8', ['4'], [0, 4]) }, 4), code: 'BAD_HEADER', tensor: 'w' },
  // Integers written as floats: JSON.parse gives 8, serde refuses a float where it wants an integer.
  { what: 'dim written 8.0 (held-out shape_float_integral)', bytes: file('{"w":{"dtype":"U8","shape":[4,8.0],"data_offsets":[0,32]}}', 32), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dim written 1e1', bytes: file('{"w":{"dtype":"U8","shape":[1e1],"data_offsets":[0,10]}}', 10), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'offset written 4.0', bytes: file('{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4.0]}}', 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'null dim', bytes: file({ w: T('U8', [null], [0, 0]) }), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dim above 2^53', bytes: file('{"w":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,0]}}'), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'shape is a number', bytes: file({ w: T('U8', 4, [0, 4]) }, 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'shape missing', bytes: file({ w: { dtype: 'U8', data_offsets: [0, 4] } }, 4), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'shape nested 100k deep', bytes: file(`{"w":{"dtype":"U8","shape":${deepArray(100_000)},"data_offsets":[0,0]}}`), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'dtype nested 100k deep', bytes: file(`{"w":{"dtype":${deepArray(100_000)},"shape":[0],"data_offsets":[0,0]}}`), code: 'BAD_HEADER', tensor: 'w' },
  // Rule 10: data_offsets is exactly two non-negative safe integers.
  { what: 'data_offsets of 3 elements', bytes: file({ w: T('F32', [2], [0, 8, 8]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'data_offsets of 1 element', bytes: file({ w: T('F32', [2], [8]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'string offsets', bytes: file({ w: T('F32', [2], ['0', '8']) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'negative offset', bytes: file({ w: T('F32', [2], [-8, 0]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'float offset', bytes: file({ w: T('F32', [2], [0, 8.5]) }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'offsets missing', bytes: file({ w: { dtype: 'F32', shape: [2] } }, 8), code: 'BAD_HEADER', tensor: 'w' },
  { what: 'offsets nested 100k deep', bytes: file(`{"w":{"dtype":"U8","shape":[0],"data_offsets":${deepArray(100_000)}}}`), code: 'BAD_HEADER', tensor: 'w' },
  // Rule 11: contiguous from 0, no gaps, no overlaps, no aliasing.
  { what: 'first tensor not at 0', bytes: file({ w: T('F32', [2], [4, 12]) }, 12), code: 'BAD_OFFSETS', tensor: 'w' },
  { what: 'gap between tensors', bytes: file({ a: W, b: T('F32', [1], [12, 16]) }, 16), code: 'BAD_OFFSETS', tensor: 'b' },
  { what: 'overlap', bytes: file({ a: W, b: T('F32', [2], [4, 12]) }, 12), code: 'BAD_OFFSETS', tensor: 'b' },
  { what: 'two tensors sharing bytes', bytes: file({ a: W, b: W }, 8), code: 'BAD_OFFSETS' },
  { what: 'begin > end', bytes: file({ a: W, b: T('U8', [0], [8, 4]) }, 8), code: 'BAD_OFFSETS', tensor: 'b' },
  { what: 'duplicate name, last-wins leaves a gap', bytes: file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', 12), code: 'BAD_OFFSETS', tensor: 'b' },
  { what: 'rule 11 before 12: gap and wrong size', bytes: file({ w: T('F32', [3], [4, 8]) }, 8), code: 'BAD_OFFSETS', tensor: 'w' },
  // Rule 12: element count × bits is whole bytes and equals the span.
  { what: 'span smaller than shape × dtype', bytes: file({ w: T('F32', [3], [0, 8]) }, 8), code: 'DTYPE_MISMATCH', tensor: 'w' },
  { what: 'span larger than shape × dtype', bytes: file({ w: T('F16', [2], [0, 8]) }, 8), code: 'DTYPE_MISMATCH', tensor: 'w' },
  { what: 'scalar with the span of two elements', bytes: file({ w: T('BF16', [], [0, 4]) }, 4), code: 'DTYPE_MISMATCH', tensor: 'w' },
  { what: 'F4 with an odd element count', bytes: file({ w: T('F4', [3], [0, 2]) }, 2), code: 'BAD_OFFSETS', tensor: 'w' },
  { what: 'F6_E2M3 with 3 elements (18 bits)', bytes: file({ w: T('F6_E2M3', [3], [0, 3]) }, 3), code: 'BAD_OFFSETS', tensor: 'w' },
  { what: 'huge shape overflowing 2^53 (BigInt path)', bytes: file({ w: T('F64', [2 ** 31, 2 ** 31, 2 ** 31], [0, 8]) }, 8), code: 'DTYPE_MISMATCH', tensor: 'w' },
  { what: 'shape product just above 2^53 elements', bytes: file({ w: T('U8', [2 ** 26 + 1, 2 ** 27 - 1], [0, 8]) }, 8), code: 'DTYPE_MISMATCH', tensor: 'w' },
  // Rule 13: the data ends exactly at the end of the file.
  { what: 'trailing bytes after data', bytes: file({ w: W }, 9), code: 'BAD_OFFSETS' },
  { what: 'trailing bytes with no tensors', bytes: file('{}', 1), code: 'BAD_OFFSETS' },
  { what: 'missing data bytes (truncated)', bytes: file({ w: W }, 5), code: 'TRUNCATED_FILE' },
  { what: 'missing all data bytes', bytes: file({ a: W, b: T('F32', [2], [8, 16]) }, 0), code: 'TRUNCATED_FILE' },
]

describe('parseSafetensorsHeader: malformed files', () => {
  it('has a table of at least 25 hand-made files', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25)
  })

  describe.each(BAD.map((c, i) => ({ ...c, i })))('#$i $what → $code', ({ bytes, code, tensor, i }) => {
    it('is rejected in memory with its code, naming the file (and tensor)', () => {
      const err = catchErr(() => parse(bytes, NAME(i)))
      expect(err).toBeInstanceOf(GraftError)
      const g = err as GraftError
      expect({ code: g.code, message: g.message }).toMatchObject({ code })
      expect(g.message).toContain(NAME(i))
      expect(g.file).toBe(NAME(i))
      expect(g.hint).toBeTruthy()
      if (tensor !== undefined) {
        expect(g.tensor).toBe(tensor)
        expect(g.message).toContain(`"${tensor}"`)
      }
    })
  })
})

describe('readSafetensorsHeader: the same table from disk', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graft-hdr-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('rejects every malformed file with the same code as the in-memory parser, naming the path', async () => {
    const mismatches: string[] = []
    for (const [i, c] of BAD.entries()) {
      const p = join(dir, NAME(i))
      await writeFile(p, c.bytes)
      const err = await catchErrAsync(readSafetensorsHeader(p))
      if (!(err instanceof GraftError)) {
        mismatches.push(`#${i} ${c.what}: threw ${(err as Error)?.name}: ${String((err as Error)?.message).slice(0, 100)}`)
        continue
      }
      if (err.code !== c.code) mismatches.push(`#${i} ${c.what}: ${err.code}, expected ${c.code}`)
      if (!err.message.includes(p)) mismatches.push(`#${i} ${c.what}: message does not name ${p}`)
    }
    expect(mismatches).toEqual([])
  })

  it('refuses a folder, a named pipe, a device and a looping link of a .safetensors name at once, naming it (never opening a pipe)', async () => {
    const cases: [string, () => Promise<void>][] = [
      ['dir.safetensors', () => mkdir(join(dir, 'dir.safetensors'))],
      ['pipe.safetensors', async () => void execFileSync('mkfifo', [join(dir, 'pipe.safetensors')])],
      ['loop.safetensors', () => symlink('loop.safetensors', join(dir, 'loop.safetensors'))],
      ['zero.safetensors', () => symlink('/dev/zero', join(dir, 'zero.safetensors'))],
    ]
    for (const [name, make] of cases) {
      await make()
      const p = join(dir, name)
      const started = Date.now()
      const err = await Promise.race([catchErrAsync(readSafetensorsHeader(p)), new Promise((r) => setTimeout(() => r(new Error('timed out: blocked on ' + name)), 3000))])
      expect(err, name).toBeInstanceOf(GraftError)
      expect((err as GraftError).code, name).toBe('NOT_A_MODEL')
      expect((err as GraftError).message, name).toContain(p)
      expect((err as GraftError).message, name).toMatch(/is a directory|named pipe|character device|loops/)
      expect((err as GraftError).hint, name).toBeTruthy()
      expect(Date.now() - started, name).toBeLessThan(3000)
    }
  })

  it('reads a header from disk without reading the data', async () => {
    const p = join(dir, 'ok.safetensors')
    await writeFile(p, file({ a: W, b: T('U8', [3], [8, 11]) }, 11))
    const h = await readSafetensorsHeader(p)
    expect(h.tensors.map((t) => t.name)).toEqual(['a', 'b'])
    expect(h.fileSize).toBe(8 + h.headerLength + 11)
  })
})

// ---------------------------------------------------------------------------------------------
// Valid edge cases: these must parse.
// ---------------------------------------------------------------------------------------------

describe('parseSafetensorsHeader: valid edge cases', () => {
  it('accepts JSON whitespace before { and after }', () => {
    const h = parse(file(' \t\r\n{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}\n \t ', 8))
    expect(h.tensors).toEqual([{ name: 'w', dtype: 'F32', shape: [2], begin: 0, end: 8 }])
    expect(h.dataStart).toBe(8 + h.headerLength)
  })

  it('accepts the writer\'s trailing-space padding to a multiple of 8', () => {
    const text = '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
    const padded = text + ' '.repeat((8 - (text.length % 8)) % 8)
    expect(padded.length % 8).toBe(0)
    const h = parse(file(padded, 1))
    expect(h.headerLength).toBe(padded.length)
  })

  it('accepts zero-size tensors anywhere the cursor is', () => {
    const h = parse(file({ a: T('F32', [1], [0, 4]), z: T('BF16', [0, 4], [4, 4]), b: T('F32', [1], [4, 8]), z2: T('I64', [3, 0, 2], [8, 8]) }, 8))
    expect(h.tensors.map((t) => t.name).sort()).toEqual(['a', 'b', 'z', 'z2'])
  })

  it('accepts a zero-element tensor whose other dims are huge (no overflow on the BigInt path)', () => {
    const h = parse(file({ z: T('F64', [Number.MAX_SAFE_INTEGER, 0], [0, 0]) }))
    expect(h.tensors[0].shape).toEqual([Number.MAX_SAFE_INTEGER, 0])
  })

  it('accepts a scalar (shape [])', () => {
    const h = parse(file({ s: T('F32', [], [0, 4]) }, 4))
    expect(h.tensors[0]).toMatchObject({ name: 's', shape: [], begin: 0, end: 4 })
  })

  it('accepts an empty header {} with no data', () => {
    const h = parse(file('{}'))
    expect(h.tensors).toEqual([])
    expect(h.metadata).toBeNull()
    expect(h.fileSize).toBe(10)
  })

  it('accepts __metadata__: null', () => {
    const h = parse(file({ __metadata__: null, w: W }, 8))
    expect(h.metadata).toBeNull()
    expect(h.tensors).toHaveLength(1)
  })

  it('keeps string metadata, including an empty object', () => {
    expect(parse(file({ __metadata__: { format: 'pt', note: 'ünïcødé ✓' }, w: W }, 8)).metadata).toEqual({ format: 'pt', note: 'ünïcødé ✓' })
    expect(parse(file({ __metadata__: {} })).metadata).toEqual({})
  })

  it('keeps the Rust reader\'s last-wins where serde has it: a key repeated inside __metadata__, a tensor name repeated with the same bytes', () => {
    expect(parse(file('{"__metadata__":{"format":"pt","format":"np"}}')).metadata).toEqual({ format: 'np' })
    const h = parse(file('{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"w":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}}', 4))
    expect(h.tensors).toEqual([{ name: 'w', dtype: 'I8', shape: [4], begin: 0, end: 4 }])
  })

  it('accepts big integers written plainly (no float literal)', () => {
    expect(parse(file('{"w":{"dtype":"U8","shape":[1234567890123456,0],"data_offsets":[0,0]}}')).tensors[0].shape).toEqual([1234567890123456, 0])
  })

  it('ignores unknown extra fields', () => {
    const h = parse(file({ w: T('F32', [2], [0, 8], { quant: { scale: 1 }, note: 'x', stride: [1] }) }, 8))
    expect(h.tensors[0]).toEqual({ name: 'w', dtype: 'F32', shape: [2], begin: 0, end: 8 })
  })

  it('accepts any tensor name, even the empty string and __proto__', () => {
    const h = parse(file('{"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2))
    expect(h.tensors.map((t) => t.name)).toEqual(['', '__proto__'])
  })

  it('returns tensors in data order whatever the JSON key order', () => {
    const h = parse(file({ c: T('U8', [1], [2, 3]), a: T('U8', [1], [0, 1]), b: T('U8', [1], [1, 2]) }, 3))
    expect(h.tensors.map((t) => t.name)).toEqual(['a', 'b', 'c'])
  })

  it('takes the last of duplicate tensor names (as the reference reader does)', () => {
    const h = parse(file('{"a":{"dtype":"F32","shape":[9],"data_offsets":[0,36]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', 4))
    expect(h.tensors).toEqual([{ name: 'a', dtype: 'U8', shape: [4], begin: 0, end: 4 }])
  })

  it('accepts sub-byte dtypes with a whole number of bytes', () => {
    expect(parse(file({ w: T('F4', [2, 3], [0, 3]) }, 3)).tensors[0].end).toBe(3)
    expect(parse(file({ w: T('F6_E3M2', [4], [0, 3]) }, 3)).tensors[0].end).toBe(3)
  })

  it('accepts every dtype of the table', () => {
    const entries: Record<string, object> = {}
    let cursor = 0
    for (const [d, bits] of Object.entries(DTYPE_BITS)) {
      const len = (8 * bits) / 8 // 8 elements
      entries[`t_${d}`] = T(d, [2, 4], [cursor, cursor + len])
      cursor += len
    }
    const h = parse(file(entries, cursor))
    expect(h.tensors).toHaveLength(Object.keys(DTYPE_BITS).length)
  })

  it('parses what writeSafetensorsFile writes, with real data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-hdr-w-'))
    try {
      const p = join(dir, 'm.safetensors')
      await writeSafetensorsFile({
        path: p,
        tensors: [
          { name: 'b', dtype: 'BF16', shape: [3], data: new Uint8Array(6) },
          { name: 'a', dtype: 'I64', shape: [1], data: new Uint8Array(8) },
          { name: 'z', dtype: 'F32', shape: [0], data: new Uint8Array(0) },
        ],
        metadata: { format: 'pt' },
      })
      const h = await readSafetensorsHeader(p)
      expect(h.headerLength % 8).toBe(0)
      expect(h.metadata).toEqual({ format: 'pt' })
      // Writer order: dtype descending (I64 before F32 before BF16), then name.
      expect(h.tensors.map((t) => t.name)).toEqual(['a', 'z', 'b'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Property / fuzz test: mutate valid files; every result is a valid header or a GraftError.
// ---------------------------------------------------------------------------------------------

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALL_DTYPES = Object.keys(DTYPE_BITS) as Dtype[]

/** A few valid seed files: built by hand with a correct layout (and optional padding). */
function seedFiles(): { header: Record<string, unknown>; data: number }[] {
  const layout = (tensors: [string, Dtype, number[]][], metadata: unknown = undefined) => {
    const header: Record<string, unknown> = {}
    if (metadata !== undefined) header.__metadata__ = metadata
    let cursor = 0
    for (const [name, dtype, shape] of tensors) {
      const len = (shape.reduce((a, b) => a * b, 1) * DTYPE_BITS[dtype]) / 8
      header[name] = { dtype, shape, data_offsets: [cursor, cursor + len] }
      cursor += len
    }
    return { header, data: cursor }
  }
  return [
    layout([['model.embed_tokens.weight', 'BF16', [8, 4]], ['model.norm.weight', 'F32', [4]], ['lm_head.weight', 'F16', [8, 4]]], { format: 'pt' }),
    layout([['a', 'F4', [2, 2]], ['b', 'U8', [3]], ['empty', 'F32', [0, 3]], ['s', 'I64', []], ['f8', 'F8_E4M3', [5]]], null),
    layout([['x', 'F64', [2, 1]], ['y', 'BOOL', [7]], ['z', 'F6_E2M3', [4]], ['w', 'C64', [1]]], { k: 'v', other: '' }),
    layout([]),
  ]
}

/** The invariants a successful parse must satisfy, checked independently of the parser. */
function checkInvariants(h: SafetensorsHeader, bytes: Uint8Array): void {
  expect(h.dataStart).toBe(8 + h.headerLength)
  expect(h.fileSize).toBe(bytes.length)
  expect(BigInt(h.headerLength)).toBe(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))
  expect(h.headerLength).toBeLessThanOrEqual(MAX_HEADER_BYTES)
  if (h.metadata !== null) for (const v of Object.values(h.metadata)) expect(typeof v).toBe('string')
  let cursor = 0
  for (const t of h.tensors) {
    expect(isDtype(t.dtype)).toBe(true)
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${t.name}: invalid shape accepted`)
    expect(t.begin).toBe(cursor)
    expect(t.end).toBeGreaterThanOrEqual(t.begin)
    const bits = t.shape.reduce((a, d) => a * BigInt(d), 1n) * BigInt(DTYPE_BITS[t.dtype])
    expect(bits % 8n).toBe(0n)
    expect(BigInt(t.end - t.begin)).toBe(bits / 8n)
    cursor = t.end
  }
  expect(h.dataStart + cursor).toBe(bytes.length)
}

const HEADER_CODES: ErrorCode[] = ['TRUNCATED_FILE', 'HEADER_TOO_LARGE', 'BAD_HEADER', 'BAD_OFFSETS', 'DTYPE_MISMATCH']

type Mutator = (rnd: () => number, header: Record<string, unknown>, data: number) => Uint8Array

const pick = <X,>(rnd: () => number, xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)]
const int = (rnd: () => number, n: number) => Math.floor(rnd() * n)

const WEIRD_VALUES: unknown[] = [
  -1, 0, 1, 2, 3, 4.5, 1e300, -0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 2 ** 32, '0', '', null, true, [], {}, [1, 2, 3], 'F32', 'f32', 'BF16', 'F4', NaN,
]

function jsonTamper(rnd: () => number, header: Record<string, unknown>): Record<string, unknown> {
  const h = structuredClone(header)
  const names = Object.keys(h).filter((k) => k !== '__metadata__')
  const times = 1 + int(rnd, 3)
  for (let k = 0; k < times; k++) {
    const op = int(rnd, 12)
    const name = names.length ? pick(rnd, names) : 'new'
    const t = (h[name] && typeof h[name] === 'object' ? h[name] : {}) as Record<string, unknown>
    switch (op) {
      case 0:
        t.dtype = rnd() < 0.7 ? pick(rnd, ALL_DTYPES) : pick(rnd, WEIRD_VALUES)
        break
      case 1: {
        const s = Array.isArray(t.shape) ? [...(t.shape as unknown[])] : []
        if (s.length && rnd() < 0.7) s[int(rnd, s.length)] = rnd() < 0.5 ? (s[int(rnd, s.length)] as number) + pick(rnd, [-1, 1, 2]) : pick(rnd, WEIRD_VALUES)
        else if (rnd() < 0.5) s.push(int(rnd, 4))
        else s.pop()
        t.shape = s
        break
      }
      case 2: {
        const o = Array.isArray(t.data_offsets) ? [...(t.data_offsets as unknown[])] : [0, 0]
        const i = int(rnd, 2)
        o[i] = rnd() < 0.7 ? (o[i] as number) + pick(rnd, [-8, -2, -1, 1, 2, 4, 8]) : pick(rnd, WEIRD_VALUES)
        t.data_offsets = o
        break
      }
      case 3:
        delete t[pick(rnd, ['dtype', 'shape', 'data_offsets'])]
        break
      case 4:
        t[pick(rnd, ['dtype', 'shape', 'data_offsets'])] = pick(rnd, WEIRD_VALUES)
        break
      case 5:
        h[name] = pick(rnd, WEIRD_VALUES)
        continue
      case 6:
        h.__metadata__ = pick(rnd, [null, {}, { a: 'b' }, { a: 1 }, { a: { b: 'c' } }, [], 'x', 3, { a: null }])
        continue
      case 7: {
        // Swap two tensors' offsets (still contiguous when sizes agree).
        const other = pick(rnd, names)
        const ot = h[other] as Record<string, unknown> | undefined
        if (ot && typeof ot === 'object') [t.data_offsets, ot.data_offsets] = [ot.data_offsets, t.data_offsets]
        break
      }
      case 8:
        h[`${name}_copy`] = structuredClone(t)
        continue
      case 9:
        delete h[name]
        continue
      case 10:
        t.extra = pick(rnd, WEIRD_VALUES)
        break
      case 11:
        // Shape consistent with a different dtype width.
        t.dtype = pick(rnd, ALL_DTYPES)
        break
    }
    h[name] = t
  }
  return h
}

const MUTATORS: Record<string, Mutator> = {
  flipBits: (rnd, header, data) => {
    const b = file(header, data)
    const n = 1 + int(rnd, 4)
    for (let i = 0; i < n; i++) b[int(rnd, b.length)] ^= 1 << int(rnd, 8)
    return b
  },
  flipHeaderBytes: (rnd, header, data) => {
    const b = file(header, data)
    const n = 1 + int(rnd, 3)
    const hl = b.length - data
    for (let i = 0; i < n; i++) b[8 + int(rnd, Math.max(1, hl - 8))] = int(rnd, 256)
    return b
  },
  setLengthByte: (rnd, header, data) => {
    const b = file(header, data)
    b[int(rnd, 8)] = int(rnd, 256)
    return b
  },
  nudgeLength: (rnd, header, data) => {
    const h = enc.encode(JSON.stringify(header))
    return file(h, data, Math.max(0, h.length + pick(rnd, [-3, -2, -1, 1, 2, 3, 8, 64])))
  },
  truncate: (rnd, header, data) => {
    const b = file(header, data)
    return b.slice(0, int(rnd, b.length))
  },
  insertBytes: (rnd, header, data) => {
    const b = file(header, data)
    const at = int(rnd, b.length + 1)
    const ins = new Uint8Array(1 + int(rnd, 8)).map(() => (rnd() < 0.5 ? int(rnd, 256) : pick(rnd, [0x20, 0x7b, 0x7d, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x30, 0x00])))
    return concat(b.subarray(0, at), ins, b.subarray(at))
  },
  insertIntoHeaderFixN: (rnd, header, data) => {
    // Insert JSON-ish tokens in the header text and fix N, so deeper rules are reached.
    const text = JSON.stringify(header)
    const at = int(rnd, text.length + 1)
    const tok = pick(rnd, [' ', ',', '}', '{', '"', '[', ']', ':', '0', '-', '.5', 'e9', 'null', '\u00e9', '\ud83d\ude00', '\u0000', '\\u0000', '\ufeff'])
    return file(text.slice(0, at) + tok + text.slice(at), data)
  },
  deleteFromHeaderFixN: (rnd, header, data) => {
    const text = JSON.stringify(header)
    const at = int(rnd, text.length)
    return file(text.slice(0, at) + text.slice(at + 1 + int(rnd, 4)), data)
  },
  jsonFields: (rnd, header, data) => {
    const h = jsonTamper(rnd, header)
    const extra = rnd() < 0.7 ? 0 : pick(rnd, [-4, -1, 1, 4, 8])
    return file(h, Math.max(0, data + extra))
  },
  padding: (rnd, header, data) => {
    const text = JSON.stringify(header)
    const pad = pick(rnd, [' ', '\n', '\t', '\r', '\u0000', '\f', '\u00a0', '\ufeff'])
    const n = 1 + int(rnd, 8)
    return file(rnd() < 0.5 ? pad.repeat(n) + text : text + pad.repeat(n), data)
  },
}

function fuzzOne(bytes: Uint8Array, name: string): 'ok' | ErrorCode {
  let h: SafetensorsHeader
  try {
    h = parse(bytes, name)
  } catch (e) {
    if (!(e instanceof GraftError)) throw new Error(`${name}: non-GraftError ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)}`)
    if (!HEADER_CODES.includes(e.code)) throw new Error(`${name}: unexpected code ${e.code}`)
    if (!e.message.includes(name)) throw new Error(`${name}: message does not name the file: ${e.message.slice(0, 200)}`)
    return e.code
  }
  checkInvariants(h, bytes)
  return 'ok'
}

describe('parseSafetensorsHeader: fuzz (clean error or valid parse)', () => {
  const ITERATIONS = 6000

  it(`survives ${ITERATIONS} seeded random mutations of valid files`, () => {
    const rnd = prng(0x5afe7e45)
    const seeds = seedFiles()
    for (const s of seeds) expect(fuzzOne(file(s.header, s.data), 'seed.safetensors')).toBe('ok')
    const tally: Record<string, Record<string, number>> = {}
    const names = Object.keys(MUTATORS)
    let slowest = 0
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = pick(rnd, seeds)
      const m = names[i % names.length]
      const bytes = MUTATORS[m](rnd, seed.header, seed.data)
      const t0 = performance.now()
      const outcome = fuzzOne(bytes, `fuzz-${i}-${m}.safetensors`)
      slowest = Math.max(slowest, performance.now() - t0)
      tally[m] ??= {}
      tally[m][outcome] = (tally[m][outcome] ?? 0) + 1
    }
    // No hang: every parse of these small files is quick.
    expect(slowest).toBeLessThan(1000)
    // The mutators reach every rule family, and some mutations still parse.
    const outcomes = new Set(Object.values(tally).flatMap((o) => Object.keys(o)))
    for (const c of ['ok', ...HEADER_CODES]) expect(outcomes, `no mutation produced ${c}: ${JSON.stringify(tally)}`).toContain(c)
  })

  it('survives structural mutations: deep nesting and huge values in every field', () => {
    const rnd = prng(42)
    const seeds = seedFiles().filter((s) => Object.keys(s.header).some((k) => k !== '__metadata__'))
    const failures: string[] = []
    for (let i = 0; i < 120; i++) {
      const s = pick(rnd, seeds)
      const h = structuredClone(s.header)
      const names = Object.keys(h).filter((k) => k !== '__metadata__')
      const name = pick(rnd, names)
      const field = pick(rnd, ['dtype', 'shape', 'data_offsets', '__entry__', '__metadata__'])
      const depth = pick(rnd, [10, 1000, 10_000, 50_000])
      const marker = '"@@NEST@@"'
      if (field === '__entry__') h[name] = '@@NEST@@'
      else if (field === '__metadata__') h.__metadata__ = { k: '@@NEST@@' }
      else (h[name] as Record<string, unknown>)[field] = '@@NEST@@'
      const text = JSON.stringify(h).replace(marker, pick(rnd, [deepArray(depth), '{"a":'.repeat(depth) + '1' + '}'.repeat(depth), '[' + '1,'.repeat(depth) + '1]']))
      const bytes = file(text, s.data)
      try {
        fuzzOne(bytes, `nest-${i}-${field}-${depth}.safetensors`)
      } catch (e) {
        failures.push((e as Error).message.slice(0, 160))
      }
    }
    expect(failures).toEqual([])
  })

  it('gives the same answer from disk as in memory for a sample of mutations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-fuzz-'))
    try {
      const rnd = prng(7)
      const seeds = seedFiles()
      const names = Object.keys(MUTATORS)
      for (let i = 0; i < 200; i++) {
        const s = pick(rnd, seeds)
        const bytes = MUTATORS[names[i % names.length]](rnd, s.header, s.data)
        const p = join(dir, `f${i}.safetensors`)
        await writeFile(p, bytes)
        let mem: string
        try {
          parse(bytes, p)
          mem = 'ok'
        } catch (e) {
          mem = (e as GraftError).code ?? 'non-graft'
        }
        let disk: string
        try {
          await readSafetensorsHeader(p)
          disk = 'ok'
        } catch (e) {
          disk = (e as GraftError).code ?? 'non-graft'
        }
        expect(disk, `f${i}`).toBe(mem)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
