/** Path helpers for the renderer (no node:path here): POSIX and Windows separators. */

export function baseName(p: string): string {
  const t = p.replace(/[\\/]+$/, '')
  const i = Math.max(t.lastIndexOf('/'), t.lastIndexOf('\\'))
  return i < 0 ? t : t.slice(i + 1)
}

export function parentDir(p: string): string {
  const t = p.replace(/[\\/]+$/, '')
  const i = Math.max(t.lastIndexOf('/'), t.lastIndexOf('\\'))
  if (i < 0) return ''
  return i === 0 ? t.slice(0, 1) : t.slice(0, i)
}

export function joinPath(dir: string, name: string): string {
  if (!dir) return name
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/'
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + sep + name
}

/** Absolute (POSIX, Windows drive or UNC) or home-relative, as the API accepts. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || p === '~' || p.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\')
}

/**
 * A default output folder: NAME-SUFFIX in the most recently used folder, else beside the input
 * (the demo is read-only in a packaged app, so a recent folder wins when there is one).
 */
export function suggestOutput(input: string, suffix: string, recent: string[]): string {
  const name = `${baseName(input) || 'model'}-${suffix}`
  return joinPath(recent[0] ?? parentDir(input), name)
}
