import { isAbsolute, relative, resolve, sep } from 'node:path'
import { GraftError } from '../errors'

/** Longest remote file path Graft accepts (the Hub's own limit is far below what filesystems allow). */
const MAX_REMOTE_PATH = 1024

/** A repo id as huggingface_hub validates it: `name` or `owner/name`, word chars, `-` and `.`, no `--` or `..`. */
const REPO_ID_RE = /^(?:[A-Za-z0-9][\w.-]{0,95}\/)?[A-Za-z0-9][\w.-]{0,95}$/

/** Throws BAD_REQUEST unless `repo` is a valid model repo id; returns it. */
export function checkRepoId(repo: string): string {
  if (!REPO_ID_RE.test(repo) || repo.includes('--') || repo.includes('..') || repo.endsWith('.git')) {
    throw new GraftError('BAD_REQUEST', `"${repo}" is not a valid Hub repo id.`, { hint: 'Use the form owner/name, e.g. openai-community/gpt2.' })
  }
  return repo
}

/** Branch, tag, `refs/pr/N` or a commit sha. It names a file under refs/, so it must not escape that folder. */
export function checkRevision(revision: string): string {
  const segs = revision.split('/')
  if (revision.length === 0 || revision.length > 255 || !/^[\w.\-/]+$/.test(revision) || segs.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GraftError('BAD_REQUEST', `"${revision}" is not a valid revision.`, { hint: 'Use a branch or tag name (main), refs/pr/N, or a 40-character commit sha.' })
  }
  return revision
}

export function isCommitSha(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s)
}

/** Blob names are git oids (40 hex) or LFS sha256 (64 hex); anything else from the server is refused. */
export function checkBlobName(name: string, file: string): string {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(name)) {
    throw new GraftError('HUB', `The Hub sent an invalid object id for ${JSON.stringify(file)}; Graft refuses to store it.`)
  }
  return name
}

/** Why a remote file name is unsafe, or null when it is a plain relative path. */
export function remotePathProblem(path: string): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'it is empty'
  if (path.length > MAX_REMOTE_PATH) return 'it is too long'
  if (path.includes('\0')) return 'it contains a NUL byte'
  if (/[\x00-\x1f]/.test(path)) return 'it contains control characters'
  if (path.includes('\\')) return 'it contains a backslash'
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || isAbsolute(path)) return 'it is an absolute path'
  const segs = path.split('/')
  if (segs.some((s) => s === '..')) return 'it contains a ".." segment'
  if (segs.some((s) => s === '' || s === '.')) return 'it contains an empty or "." segment'
  return null
}

/**
 * Where a remote file lands under `root`, refusing names that are absolute, contain `..`, backslashes
 * or NUL, or would resolve outside `root`. Remote file names are untrusted input.
 */
export function resolveInside(root: string, remotePath: string): string {
  const problem = remotePathProblem(remotePath)
  if (problem) throw new GraftError('HUB', `Refused the remote file name ${JSON.stringify(remotePath)}: ${problem}.`, { hint: 'The repo lists a file name that could write outside the cache; Graft will not download it.' })
  const base = resolve(root)
  const full = resolve(base, ...remotePath.split('/'))
  const rel = relative(base, full)
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel) || !full.startsWith(base + sep)) {
    throw new GraftError('HUB', `Refused the remote file name ${JSON.stringify(remotePath)}: it resolves outside ${base}.`)
  }
  return full
}
