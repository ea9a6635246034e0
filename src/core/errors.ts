import { ERROR_CODES, type ErrorCode, type ErrorInfo } from '../shared/errors'

/** Every failure Graft reports: a stable code, the file and tensor involved, and what to do. */
export class GraftError extends Error {
  readonly code: ErrorCode
  readonly file?: string
  readonly tensor?: string
  readonly hint?: string

  constructor(code: ErrorCode, message: string, opts: { file?: string; tensor?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'GraftError'
    this.code = code
    this.file = opts.file
    this.tensor = opts.tensor
    this.hint = opts.hint
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, file: this.file, tensor: this.tensor, hint: this.hint }
  }
}

export class CancelledError extends GraftError {
  constructor() {
    super('CANCELLED', 'The job was cancelled; no output was left behind.')
    this.name = 'CancelledError'
  }
}

/** Turns anything thrown (including Node fs errors) into the ErrorInfo that crosses the API. */
export function toErrorInfo(err: unknown, file?: string): ErrorInfo {
  if (err instanceof GraftError) return err.toInfo()
  const e = err as NodeJS.ErrnoException | undefined
  const path = (e && typeof e.path === 'string' ? e.path : undefined) ?? file
  switch (e?.code) {
    case 'ENOENT':
      return { code: 'NOT_FOUND', message: `${path ?? 'A file'} does not exist.`, file: path, hint: 'Check the path and try again.' }
    case 'ENOSPC':
      return { code: 'DISK_FULL', message: `The disk is full while writing ${path ?? 'the output'}.`, file: path, hint: 'Free some space or choose an output folder on another disk.' }
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return { code: 'PERMISSION_DENIED', message: `Permission denied for ${path ?? 'a file'}.`, file: path, hint: 'Choose a folder you can write to, or fix its permissions.' }
    // Paths that are not what they seem, met outside read-input-file.ts: still the user's input to fix, not a bug.
    case 'EISDIR':
      return { code: 'BAD_REQUEST', message: `${path ?? 'A path'} is a directory where Graft expected a file.`, file: path, hint: 'Move or rename the folder, or point Graft at the file itself.' }
    case 'ELOOP':
      return { code: 'BAD_REQUEST', message: `${path ?? 'A path'} is a symbolic link that loops.`, file: path, hint: 'Replace the link with the file or folder it should point to, or remove it.' }
    case 'ENOTDIR':
      return { code: 'NOT_FOUND', message: `${path ?? 'A path'} does not exist: a part of it is a file, not a folder.`, file: path, hint: 'Check the path and try again.' }
    case 'ABORT_ERR':
      return { code: 'CANCELLED', message: ERROR_CODES.CANCELLED }
  }
  if (e && (e.name === 'AbortError' || e.name === 'CancelledError')) return { code: 'CANCELLED', message: ERROR_CODES.CANCELLED }
  const message = e instanceof Error ? e.message : String(err)
  return { code: 'INTERNAL', message: `Unexpected error: ${message}`, file: path, hint: 'This is a bug in Graft; please report it with the file that caused it.' }
}

export function errorFromInfo(info: ErrorInfo): GraftError {
  return new GraftError(info.code, info.message, { file: info.file, tensor: info.tensor, hint: info.hint })
}

const WORKER_ERROR_PREFIX = 'GRAFT_ERROR_INFO:'

/** Packs an ErrorInfo into an Error message that crosses a worker-thread boundary intact. */
export function encodeWorkerError(info: ErrorInfo): string {
  return WORKER_ERROR_PREFIX + JSON.stringify(info)
}

/** The ErrorInfo packed by encodeWorkerError, if this error carries one. */
export function decodeWorkerError(err: unknown): ErrorInfo | null {
  const msg = (err as Error | undefined)?.message
  if (typeof msg !== 'string') return null
  const i = msg.indexOf(WORKER_ERROR_PREFIX)
  if (i < 0) return null
  try {
    return JSON.parse(msg.slice(i + WORKER_ERROR_PREFIX.length)) as ErrorInfo
  } catch {
    return null
  }
}
