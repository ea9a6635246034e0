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
 * A default output folder: NAME-SUFFIX in the user's outputs folder (app.info's outputsDir, e.g.
 * ~/Graft/outputs), never beside the input: the demo input lies in the app's own resources, which
 * are read-only in a packaged app and are never an output.
 */
export function suggestOutput(input: string, suffix: string, outputsDir: string): string {
  const name = `${baseName(input) || 'model'}-${suffix}`
  return joinPath(outputsDir, name)
}

/** The n-th fresh variant of an output folder name: `/o/base-merged` → `/o/base-merged-2` (an earlier `-N` is replaced). */
export function numberedOutput(out: string, n: number): string {
  const t = out.replace(/[\\/]+$/, '')
  return `${t.replace(/-\d+$/, '')}-${n}`
}
