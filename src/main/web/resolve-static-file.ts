import { realpath, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/**
 * Maps a URL path to a file inside `root`, or null. Traversal is impossible: the decoded path may
 * not contain `..` segments, backslashes or NUL, and the real path (symlinks resolved) must still
 * lie inside the real root. Only regular files with a known content type are served.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<{ file: string; size: number; type: string } | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const parts = decoded.split('/').filter((p) => p !== '')
  if (parts.some((p) => p === '..' || p === '.' || p.startsWith('.'))) return null
  const rel = parts.length === 0 ? 'index.html' : parts.join('/')
  const type = CONTENT_TYPES[extname(rel).toLowerCase()]
  if (!type) return null
  const realRoot = await realpath(resolve(root)).catch(() => null)
  if (!realRoot) return null
  const real = await realpath(join(realRoot, rel)).catch(() => null)
  if (!real || !real.startsWith(realRoot + sep)) return null
  const st = await stat(real).catch(() => null)
  if (!st?.isFile()) return null
  return { file: real, size: st.size, type }
}
