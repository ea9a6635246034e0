import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileIo } from './file-io'
import { DIRECT_IO_ALIGN, directScratch } from './kernels'

const dir = mkdtempSync(join(tmpdir(), 'graft-fileio-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fileOf(size: number): { path: string; data: Uint8Array } {
  const data = new Uint8Array(size)
  let s = 12345
  for (let i = 0; i < size; i++) data[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24
  const path = join(dir, `f${size}.bin`)
  writeFileSync(path, data)
  return { path, data }
}

/** Whether O_DIRECT opens here (tmpfs before Linux 6.6 refuses it; other platforms lack it). */
function directSupported(path: string): boolean {
  const flag = (constants as { O_DIRECT?: number }).O_DIRECT
  if (!flag || process.env.GRAFT_DIRECT_IO === '0') return false
  try {
    closeSync(openSync(path, constants.O_RDONLY | flag))
    return true
  } catch {
    return false
  }
}

describe('FileIo.readDirect', () => {
  const { path, data } = fileOf(3 * DIRECT_IO_ALIGN * 37 + 123)

  it('reads any range exactly (aligned or not, up to the last byte of the file)', () => {
    const io = new FileIo()
    try {
      const cases: [number, number][] = [
        [0, 4096],
        [1, 10],
        [4095, 2],
        [8192, 3 * 4096],
        [777, 100_000],
        [data.length - 123, 123],
        [data.length - 5000, 5000],
        [5, data.length - 5],
      ]
      for (const [off, len] of cases) {
        const view = directScratch(len, off)
        expect(view.byteOffset % DIRECT_IO_ALIGN).toBe(off % DIRECT_IO_ALIGN)
        io.readDirect(path, off, view, DIRECT_IO_ALIGN)
        expect(Buffer.compare(Buffer.from(view), Buffer.from(data.subarray(off, off + len))), `range ${off}+${len}`).toBe(0)
      }
      // Where this file system takes O_DIRECT, the reads above really bypassed the page cache.
      expect(io.directFileCount()).toBe(directSupported(path) ? 1 : 0)
    } finally {
      io.close()
    }
  })

  it('falls back to a plain read for a buffer outside the placement contract', () => {
    const io = new FileIo()
    try {
      const view = new Uint8Array(1000)
      io.readDirect(path, 4097, view, DIRECT_IO_ALIGN)
      expect(Buffer.compare(Buffer.from(view), Buffer.from(data.subarray(4097, 5097)))).toBe(0)
    } finally {
      io.close()
    }
  })

  it('reports a file shorter than the range as TRUNCATED_FILE', () => {
    const io = new FileIo()
    try {
      const view = directScratch(200, data.length - 100)
      expect(() => io.readDirect(path, data.length - 100, view, DIRECT_IO_ALIGN)).toThrow(expect.objectContaining({ code: 'TRUNCATED_FILE' }))
    } finally {
      io.close()
    }
  })
})
