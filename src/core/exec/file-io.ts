import { closeSync, openSync, readSync, writeSync } from 'node:fs'

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
      if (n === 0) throw Object.assign(new Error(`${file}: unexpected end of file at byte ${offset + done}`), { code: 'TRUNCATED', path: file })
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
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done)
  }

  close(): void {
    for (const fd of [...this.readFds.values(), ...this.writeFds.values()]) closeSync(fd)
    this.readFds.clear()
    this.writeFds.clear()
  }
}
