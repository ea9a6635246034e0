import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { GraftError } from '../errors'

/** Positional file access with a small per-thread cache of open descriptors. */
export class FileIo {
  private readonly readFds = new Map<string, number>()
  private readonly writeFds = new Map<string, number>()

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
        throw new GraftError('TRUNCATED_FILE', `${file} ends at byte ${offset + done}, before the data its header promised (it changed or was cut short after planning).`, {
          file,
          hint: 'Copy or download the file again, then rerun.',
        })
      done += n
    }
    return buf
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
    this.readFds.clear()
    this.writeFds.clear()
  }
}
