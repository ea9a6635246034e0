import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs'
import { GraftError } from '../errors'

/** Positional file access with a small per-thread cache of open descriptors. */
export class FileIo {
  private readonly readFds = new Map<string, number>()
  private readonly writeFds = new Map<string, number>()
  /** O_DIRECT descriptors; null where the file system refused O_DIRECT (then plain reads are used). */
  private readonly directFds = new Map<string, number | null>()

  read(file: string, offset: number, length: number, into?: Uint8Array): Uint8Array {
    let fd = this.readFds.get(file)
    if (fd === undefined) {
      fd = openSync(file, 'r')
      this.readFds.set(file, fd)
    }
    const buf = into ?? new Uint8Array(length)
    let done = 0
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done)
      if (n === 0)
        throw truncated(file, offset + done)
      done += n
    }
    return buf
  }

  /**
   * Reads `into.length` bytes at `offset` into `into`, bypassing the page cache (O_DIRECT) where
   * the platform and file system allow it: a merge reads each input byte once, so caching 13 GB
   * of it only makes the kernel evict and reclaim. O_DIRECT needs the buffer, offset and length
   * aligned to `align`: the caller guarantees that `into` lies at the same offset modulo `align`
   * as `offset`, inside a buffer with `align` bytes of scratch before and after it (which this
   * overwrites). Falls back to `read` wherever that is not the case or O_DIRECT fails.
   * GRAFT_DIRECT_IO=0 turns it off everywhere.
   */
  readDirect(file: string, offset: number, into: Uint8Array, align: number): void {
    const length = into.length
    const lead = offset % align
    const start = into.byteOffset - lead
    const span = Math.ceil((lead + length) / align) * align
    const fd = DIRECT_FLAG && length > 0 && (into.byteOffset - offset) % align === 0 && start >= 0 && start + span <= into.buffer.byteLength ? this.directFd(file) : null
    if (fd === null) {
      this.read(file, offset, length, into)
      return
    }
    const view = new Uint8Array(into.buffer, start, span)
    let done = 0
    try {
      while (done < lead + length) {
        const n = readSync(fd, view, done, span - done, offset - lead + done)
        if (n === 0) break
        done += n
      }
    } catch {
      // EINVAL and the like: this file system takes O_DIRECT at open but not these reads.
      this.directFds.set(file, null)
      closeSync(fd)
      this.read(file, offset, length, into)
      return
    }
    if (done < lead + length)
      throw truncated(file, offset - lead + done)
  }

  /** How many files this FileIo has read with O_DIRECT (not fallen back): for tests and diagnostics. */
  directFileCount(): number {
    return [...this.directFds.values()].filter((fd) => fd !== null).length
  }

  private directFd(file: string): number | null {
    if (this.directFds.has(file)) return this.directFds.get(file)!
    let fd: number | null = null
    try {
      fd = openSync(file, constants.O_RDONLY | DIRECT_FLAG)
    } catch {
      fd = null
    }
    this.directFds.set(file, fd)
    return fd
  }

  write(file: string, offset: number, data: Uint8Array): void {
    let fd = this.writeFds.get(file)
    if (fd === undefined) {
      fd = openSync(file, 'r+')
      this.writeFds.set(file, fd)
    }
    let done = 0
    try {
      while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done)
    } catch (e) {
      // Positional write errors carry no path; add it so the user learns which file failed.
      throw Object.assign(e as Error, { path: file })
    }
  }

  close(): void {
    for (const fd of [...this.readFds.values(), ...this.writeFds.values()]) closeSync(fd)
    for (const fd of this.directFds.values()) if (fd !== null) closeSync(fd)
    this.directFds.clear()
    this.readFds.clear()
    this.writeFds.clear()
  }
}

/** O_DIRECT where Node defines it (Linux), unless GRAFT_DIRECT_IO=0; else 0 (never used). */
const DIRECT_FLAG: number = typeof process !== 'undefined' && process.env.GRAFT_DIRECT_IO === '0' ? 0 : ((constants as { O_DIRECT?: number }).O_DIRECT ?? 0)

function truncated(file: string, endsAt: number): GraftError {
  return new GraftError('TRUNCATED_FILE', `${file} ends at byte ${endsAt}, before the data its header promised (it changed or was cut short after planning).`, {
    file,
    hint: 'Copy or download the file again, then rerun.',
  })
}
