import { constants, closeSync, fstatSync, openSync, statSync, type Stats } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import type { ErrorCode } from '../../shared/errors'
import { GraftError } from '../errors'
import { parseJsonText, JsonSyntaxError } from '../json/json-text'

/**
 * Every file Graft reads as input goes through here, so that a path which is not what it seems
 * (a directory with a model-file name, a named pipe, a device, a looping symlink) gives a clear
 * error naming it instead of a hang or an "unexpected error":
 * - the type is checked with stat() before anything is opened, and the open itself uses
 *   O_NONBLOCK, so a FIFO never blocks one of libuv's four fs threads (in web mode, four such
 *   requests would starve every later file request of the server);
 * - the opened descriptor is checked again (fstat), so a file swapped for a pipe in between is
 *   still refused;
 * - whole-file text reads have a size cap, so /dev/zero-like inputs cannot fill memory.
 */

/**
 * Largest JSON or text input read whole (config.json, tokenizer.json, --tokens-file …). V8
 * strings hold at most about 2^29 UTF-16 units, so 256 MiB of UTF-8 always decodes; the largest
 * real tokenizer.json files (Gemma's 262k vocabulary) are about 35 MB.
 */
export const MAX_TEXT_INPUT_BYTES = 256 * 1024 * 1024

/** O_NONBLOCK where the platform has it (not on Windows, which has no FIFOs in the file system). */
const NONBLOCK = (constants as Record<string, number>).O_NONBLOCK ?? 0

export interface InputFileOptions {
  /** Code for a path that exists but is not a readable regular file (default BAD_REQUEST). */
  code?: ErrorCode
  /** What to do about it, when the default hint does not fit. */
  hint?: string
}

/** What a path is, in words: "a directory", "a named pipe (FIFO)", … */
export function describeFileType(s: Stats): string {
  if (s.isDirectory()) return 'a directory'
  if (s.isFIFO()) return 'a named pipe (FIFO)'
  if (s.isSocket()) return 'a socket'
  if (s.isCharacterDevice()) return 'a character device'
  if (s.isBlockDevice()) return 'a block device'
  if (s.isSymbolicLink()) return 'a symbolic link'
  return 'not a regular file'
}

function notAFile(path: string, s: Stats, opts: InputFileOptions): GraftError {
  const what = describeFileType(s)
  return new GraftError(opts.code ?? 'BAD_REQUEST', `${path} is ${what}, not a file.`, {
    file: path,
    hint: opts.hint ?? (s.isDirectory() ? 'Graft expects a file at this path; move or rename the folder.' : 'Graft reads only regular files; replace it with a copy of the real file.'),
  })
}

/** Turns a stat()/open() failure into an error naming the path. */
function statError(path: string, e: unknown, opts: InputFileOptions): unknown {
  const code = (e as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT') return new GraftError('NOT_FOUND', `${path} does not exist.`, { file: path, hint: 'Check the path and try again.' })
  if (code === 'ENOTDIR') return new GraftError('NOT_FOUND', `${path} does not exist (a part of the path before it is a file, not a folder).`, { file: path, hint: 'Check the path and try again.' })
  if (code === 'ELOOP')
    return new GraftError(opts.code ?? 'BAD_REQUEST', `${path} is a symbolic link that loops (or a chain of too many links).`, { file: path, hint: 'Replace the link with the file it should point to, or remove it.' })
  if (code === 'ENAMETOOLONG') return new GraftError('BAD_REQUEST', `${path} is too long to be a path.`, { file: path })
  if (code === 'EACCES' || code === 'EPERM')
    return new GraftError('PERMISSION_DENIED', `Permission denied for ${path}.`, { file: path, hint: 'Fix the file permissions, or copy the file somewhere you can read it.' })
  if (code === 'EISDIR') return new GraftError(opts.code ?? 'BAD_REQUEST', `${path} is a directory, not a file.`, { file: path, hint: opts.hint ?? 'Graft expects a file at this path; move or rename the folder.' })
  return e
}

/** stat() of an input file, following symlinks; throws a GraftError naming the path unless it is a regular file. */
export async function checkInputFile(path: string, opts: InputFileOptions = {}): Promise<Stats> {
  let s: Stats
  try {
    s = await stat(path)
  } catch (e) {
    throw statError(path, e, opts)
  }
  if (!s.isFile()) throw notAFile(path, s, opts)
  return s
}

/**
 * What a directory entry is once symlinks are followed, without opening it: 'file' (a regular
 * file), 'dir', 'missing' (dangling link), 'loop', or 'special' (pipe, socket, device).
 */
export async function inputKind(path: string): Promise<{ kind: 'file' | 'dir' | 'missing' | 'loop' | 'special' | 'unreadable'; stats?: Stats }> {
  try {
    const s = await stat(path)
    return { kind: s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'special', stats: s }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return { kind: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : code === 'ELOOP' ? 'loop' : 'unreadable' }
  }
}

/** Opens an input file read-only: a regular file only, never blocking on a pipe. The caller closes it. */
export async function openInputFile(path: string, opts: InputFileOptions = {}): Promise<{ fh: FileHandle; size: number }> {
  await checkInputFile(path, opts)
  let fh: FileHandle
  try {
    fh = await open(path, constants.O_RDONLY | NONBLOCK)
  } catch (e) {
    throw statError(path, e, opts)
  }
  try {
    const s = await fh.stat()
    if (!s.isFile()) throw notAFile(path, s, opts)
    return { fh, size: s.size }
  } catch (e) {
    await fh.close()
    throw e
  }
}

/** The synchronous twin of openInputFile, for worker threads; returns a file descriptor. */
export function openInputFileSync(path: string, opts: InputFileOptions = {}): { fd: number; size: number } {
  let fd: number
  try {
    const s = statSync(path)
    if (!s.isFile()) throw notAFile(path, s, opts)
    fd = openSync(path, constants.O_RDONLY | NONBLOCK)
  } catch (e) {
    throw e instanceof GraftError ? e : statError(path, e, opts)
  }
  const s = fstatSync(fd)
  if (!s.isFile()) {
    closeSync(fd)
    throw notAFile(path, s, opts)
  }
  return { fd, size: s.size }
}

/** Reads a whole input file (a regular file of at most `maxBytes`, default MAX_TEXT_INPUT_BYTES). */
export async function readInputBytes(path: string, opts: InputFileOptions & { maxBytes?: number } = {}): Promise<Buffer> {
  const max = opts.maxBytes ?? MAX_TEXT_INPUT_BYTES
  const tooLarge = () =>
    new GraftError(opts.code ?? 'BAD_REQUEST', `${path} is larger than ${formatLimit(max)}, more than Graft reads for a file of this kind.`, {
      file: path,
      hint: 'Check that this is the right file.',
    })
  const { fh, size } = await openInputFile(path, opts)
  try {
    if (size > max) throw tooLarge()
    // Read to EOF (a file may be longer than stat said, e.g. under /proc), never past the cap.
    const chunks: Buffer[] = []
    let total = 0
    let want = Math.max(size, 64 * 1024)
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(want, max + 1 - total))
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > max) throw tooLarge()
      want = 1 << 20
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)
  } finally {
    await fh.close()
  }
}

/** Reads a whole input file as UTF-8 text (invalid bytes become U+FFFD, as readFile does). */
export async function readInputText(path: string, opts: InputFileOptions & { maxBytes?: number } = {}): Promise<string> {
  return (await readInputBytes(path, opts)).toString('utf8')
}

/** readInputText, or undefined when nothing exists at the path (optional files). */
export async function readInputTextIfExists(path: string, opts: InputFileOptions & { maxBytes?: number } = {}): Promise<string | undefined> {
  try {
    return await readInputText(path, opts)
  } catch (e) {
    if (e instanceof GraftError && e.code === 'NOT_FOUND' && e.file === path) return undefined
    throw e
  }
}

/**
 * Where a text stops being valid JSON, as "line L, column C", without quoting any of it (the
 * engine's own messages repeat the start of the text, which may be a secret). Null when the
 * position cannot be found.
 */
export function jsonErrorPlace(text: string): string | null {
  try {
    parseJsonText(text)
    return null
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) return null
    const before = text.slice(0, e.position)
    const line = before.split('\n').length
    const column = e.position - before.lastIndexOf('\n')
    return `line ${line}, column ${column}`
  }
}

function formatLimit(n: number): string {
  return n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : `${n} bytes`
}
