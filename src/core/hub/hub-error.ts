import { HubApiError } from '@huggingface/hub'
import { GraftError } from '../errors'

/** Anything that looks like a Hugging Face token; scrubbed from every message that leaves this module. */
const TOKEN_RE = /hf_[A-Za-z0-9_-]{4,}/g
const HAS_TOKEN = /hf_[A-Za-z0-9_-]{4,}/

/** Replaces the token (and anything token-shaped) in a message with `hf_***`. */
export function scrubToken(text: string, token?: string | null): string {
  let out = text
  if (token) out = out.split(token).join('hf_***')
  return out.replace(TOKEN_RE, 'hf_***')
}

function isAbort(e: unknown): boolean {
  const err = e as { name?: string; code?: string } | null
  return !!err && (err.name === 'AbortError' || err.code === 'ABORT_ERR')
}

/** The server's message without the URL trailer @huggingface/hub appends ("... URL: https://..."). */
function serverMessage(e: HubApiError): string {
  const data = e.data as { error?: unknown; message?: unknown } | undefined
  const raw = typeof data?.error === 'string' ? data.error : typeof data?.message === 'string' ? data.message : ''
  return raw.trim().slice(0, 300)
}

/**
 * Turns anything a Hub call threw into a GraftError (filesystem errors pass through untouched so
 * toErrorInfo can map ENOSPC/EACCES) with a stable code and a message that names
 * the repo (and file) and never the token: HubApiError statuses map to PERMISSION_DENIED (401/403),
 * NOT_FOUND (404), BAD_REQUEST (400/409/422) and HUB (everything else); aborts become CANCELLED.
 */
export function toHubError(e: unknown, ctx: { token?: string | null; repo?: string; file?: string; what?: string; signal?: AbortSignal } = {}): Error {
  const scrub = (s: string) => scrubToken(s, ctx.token)
  if (e instanceof GraftError) {
    if (!ctx.token && !HAS_TOKEN.test(e.message)) return e
    const msg = scrub(e.message)
    return msg === e.message ? e : new GraftError(e.code, msg, { file: e.file, tensor: e.tensor, hint: e.hint })
  }
  if (isAbort(e) || ctx.signal?.aborted) return new GraftError('CANCELLED', `${ctx.what ?? 'The Hub request'} was cancelled.`)
  const subject = ctx.file && ctx.repo ? `${ctx.file} in ${ctx.repo}` : (ctx.repo ?? 'the Hub')
  const what = ctx.what ?? `The request for ${subject}`
  if (e instanceof HubApiError) {
    const detail = scrub(serverMessage(e))
    const tail = detail ? `: ${detail}` : ''
    switch (e.statusCode) {
      case 401:
        return new GraftError('PERMISSION_DENIED', `${what} was refused (401)${tail}.`, {
          hint: ctx.token ? 'The token is invalid or has expired, or the repo is private to someone else: sign in again.' : 'The repo may be private or gated: sign in with a Hugging Face token.',
        })
      case 403:
        return new GraftError('PERMISSION_DENIED', `${what} was refused (403)${tail}.`, {
          hint: 'For a gated model, accept its license on the model page first; for uploads, use a token with write access.',
        })
      case 404:
        return new GraftError('NOT_FOUND', `${what} failed: not found on the Hub (404)${tail}.`, { hint: 'Check the repo id and revision; private repos need a token.' })
      case 400:
      case 409:
      case 422:
        return new GraftError('BAD_REQUEST', `${what} was rejected (${e.statusCode})${tail}.`)
      case 429:
        return new GraftError('HUB', `${what} was rate-limited by the Hub (429).`, { hint: 'Wait a minute and try again; signing in raises the limit.' })
      default:
        return new GraftError('HUB', `${what} failed (HTTP ${e.statusCode})${tail}.`, { hint: 'The Hub may be having trouble; try again later.' })
    }
  }
  const err = e as NodeJS.ErrnoException | null
  if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) && typeof err.path === 'string') {
    // Filesystem errors keep their code so toErrorInfo maps ENOSPC to DISK_FULL, EACCES to PERMISSION_DENIED.
    return err
  }
  if (e instanceof TypeError && /must start with 'hf_'/.test(e.message)) {
    return new GraftError('BAD_REQUEST', 'The Hugging Face token does not start with "hf_".', { hint: 'Create a new access token and sign in again.' })
  }
  const message = e instanceof Error ? e.message : String(e)
  return new GraftError('HUB', `${what} failed: ${scrub(message)}`, { hint: 'Check the network connection and try again.' })
}
