import { createHash } from 'node:crypto'
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { mkdtemp } from 'node:fs/promises'
import { basename, dirname, join, relative } from 'node:path'
import type { TensorRef } from '../../src/shared/plan'

export async function makeTmp(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `graft-${prefix}-`))
}

/** mulberry32: seeded, so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomBytes(rnd: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  const words = new Uint32Array(out.buffer, 0, n >> 2)
  for (let i = 0; i < words.length; i++) words[i] = (rnd() * 4294967296) >>> 0
  for (let i = words.length * 4; i < n; i++) out[i] = (rnd() * 256) | 0
  return out
}

export interface FileFingerprint {
  sha256: string
  size: number
  mtimeMs: number
  mode: number
}

/** sha256, size, mtime and mode of every file under `dir` (recursively), by relative path. */
export async function fingerprintTree(dir: string): Promise<Record<string, FileFingerprint>> {
  const out: Record<string, FileFingerprint> = {}
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else {
        const s = await stat(p)
        out[relative(dir, p)] = { sha256: await sha256File(p), size: s.size, mtimeMs: s.mtimeMs, mode: s.mode }
      }
    }
  }
  await walk(dir)
  return out
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(4 << 20)
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      h.update(buf.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
  return h.digest('hex')
}

/** Graft's temporary output folders for `outDir` (`.<name>.graft-tmp-*`), including `.old` trash. */
export async function tempFoldersFor(outDir: string): Promise<string[]> {
  const prefix = `.${basename(outDir)}.graft-tmp-`
  return (await readdir(dirname(outDir))).filter((e) => e.startsWith(prefix)).map((e) => join(dirname(outDir), e))
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  )
}

/** The bytes of one tensor, read by position. */
export async function readTensorBytes(ref: Pick<TensorRef, 'file' | 'offset' | 'byteLength'>): Promise<Buffer> {
  const fh = await open(ref.file, 'r')
  try {
    const buf = Buffer.alloc(ref.byteLength)
    if (ref.byteLength > 0) await fh.read(buf, 0, ref.byteLength, ref.offset)
    return buf
  } finally {
    await fh.close()
  }
}

export async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, 'utf8'))
}

/** Catches a rejection so its fields can be asserted. */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected the promise to reject, but it resolved')
}
