/**
 * Folder paths from a drag and drop, without the DOM: what a DataTransfer carries (Files, a
 * text/uri-list of file:// URIs, or a path as text/plain) turned into absolute local paths.
 * Browsers never reveal where a dropped File lives; Electron's preload does (pathForFile).
 */

/** The parts of a DataTransfer read here (a real DataTransfer fits). */
export interface DropData<F = unknown> {
  readonly types: readonly string[]
  getData(format: string): string
  readonly files?: ArrayLike<F> | null
}

export interface DroppedPaths {
  /** Absolute paths, in drop order, without duplicates or trailing separators. */
  paths: string[]
  /** Files dropped whose location nobody revealed (web mode): the UI says so instead of doing nothing. */
  opaqueFiles: number
}

/**
 * The folder paths a drop carries. With `pathForFile` (Electron), its Files give them; else a
 * text/uri-list (file:// URIs; other schemes and # comments are skipped); else text/plain lines
 * that are file:// URIs or absolute paths (quoted or backslash-escaped as a terminal gives them).
 * Files that gave no path are counted in `opaqueFiles`. Whether each path is a folder, and the
 * right kind of folder, is for the app side to say.
 */
export function droppedPaths<F>(data: DropData<F>, pathForFile?: (file: F) => string | null): DroppedPaths {
  const files = data.files ? Array.from(data.files) : []
  let paths: string[] = []
  if (pathForFile) paths = files.map((f) => safeCall(pathForFile, f)).filter((p): p is string => !!p && isAbsoluteLocalPath(p))
  if (paths.length === 0 && data.types.includes('text/uri-list')) paths = uriListPaths(safeGet(data, 'text/uri-list'))
  if (paths.length === 0 && data.types.includes('text/plain')) paths = plainTextPaths(safeGet(data, 'text/plain'))
  const unique = [...new Set(paths.map(trimSeparators))]
  return { paths: unique, opaqueFiles: unique.length === 0 ? files.length : 0 }
}

/** Whether a drag may carry folder paths (decided on dragover, when only the types are readable). */
export function mayCarryPaths(types: readonly string[]): boolean {
  return types.includes('Files') || types.includes('text/uri-list') || types.includes('text/plain')
}

/**
 * The local path of a file: URI, or null for anything else (another scheme, a malformed percent
 * escape, an encoded separator or NUL). Percent escapes are decoded as UTF-8. A drive letter
 * (file:///C:/Users/me, file:///c%3A/x, file:///C|/x) gives a Windows path with backslashes, a
 * host other than localhost a UNC path (\\server\share\dir); everything else a POSIX path.
 */
export function fileUriToPath(uri: string): string | null {
  const text = uri.trim()
  if (!/^file:/i.test(text)) return null
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  const segments = url.pathname.split('/')
  let decoded: string[]
  try {
    decoded = segments.map((s) => decodeURIComponent(s))
  } catch {
    return null
  }
  // An encoded separator or NUL inside a name would change which file the path names.
  if (decoded.some((s) => s.includes('/') || s.includes('\0'))) return null
  const host = url.hostname
  const drive = /^[A-Za-z][:|]$/.test(decoded[1] ?? '') ? decoded[1][0] + ':' : null
  if (host && host !== 'localhost') {
    if (decoded.some((s) => s.includes('\\'))) return null
    return `\\\\${host}${decoded.join('\\')}`
  }
  if (drive) {
    const rest = decoded.slice(2)
    if (rest.some((s) => s.includes('\\'))) return null
    return `${drive}\\${rest.join('\\')}`
  }
  return decoded.join('/') || '/'
}

/** file:// URIs of a text/uri-list (RFC 2483: one per line, # starts a comment). */
function uriListPaths(text: string): string[] {
  return lines(text)
    .filter((l) => !l.startsWith('#'))
    .map(fileUriToPath)
    .filter((p): p is string => p !== null)
}

/** Lines of dropped text that are file:// URIs or absolute paths. */
function plainTextPaths(text: string): string[] {
  const out: string[] = []
  for (const line of lines(text)) {
    const candidates = /^file:/i.test(line) ? [fileUriToPath(line)] : shellWords(line)
    for (const p of candidates) if (p && isAbsoluteLocalPath(p)) out.push(p)
  }
  return out
}

/**
 * A line of paths as a terminal puts them: one or more '…' or "…" quoted words (several folders
 * dragged at once), or one path, whose POSIX backslash escapes (my\ models) are undone. A
 * Windows path keeps its backslashes.
 */
function shellWords(line: string): string[] {
  if (/^(?:\s*(['"]).*?\1)+$/.test(line)) return [...line.matchAll(/(['"])(.*?)\1/g)].map((m) => m[2])
  return [line.startsWith('/') || line.startsWith('~/') ? line.replace(/\\(.)/g, '$1') : line]
}

/** Absolute on POSIX, a Windows drive, UNC, or ~/ (the app side expands it). */
function isAbsoluteLocalPath(p: string): boolean {
  return !p.includes('\0') && (p.startsWith('/') || p === '~' || p.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]+\\[^\\]+/.test(p))
}

/** Without trailing separators, except for a root (/, C:\). */
function trimSeparators(p: string): string {
  const t = p.replace(/[\\/]+$/, '')
  if (t === '') return p.slice(0, 1)
  return /^[A-Za-z]:$/.test(t) ? t + p[t.length] : t
}

function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

function safeGet(data: DropData<unknown>, format: string): string {
  try {
    return data.getData(format) ?? ''
  } catch {
    return ''
  }
}

function safeCall<F>(fn: (f: F) => string | null, f: F): string | null {
  try {
    return fn(f)
  } catch {
    return null
  }
}
