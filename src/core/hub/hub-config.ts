import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { GraftError } from '../errors'
import { hfCacheDir } from '../library/find-hf-cache'

/** huggingface_hub's default endpoint; HF_ENDPOINT (or an explicit endpoint) replaces it for mirrors. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co'

/**
 * How long a Hub request may wait for the answer to start (connection plus response headers)
 * before Graft gives up: a stalled network (firewall, captive portal) otherwise holds a search for
 * undici's 5 minutes. Bodies (downloads) are not limited by it. GRAFT_HUB_TIMEOUT_MS overrides it.
 */
export const HUB_ANSWER_TIMEOUT_MS = 15_000

/** Where the token the Hub client uses came from. `explicit` is the token the app stored or the caller passed. */
export type TokenSource = 'explicit' | 'env' | 'file'

/** Everything a Hub call needs, resolved once from options and the environment. */
export interface HubConfig {
  /** Base URL without a trailing slash, e.g. https://huggingface.co or a mirror. */
  endpoint: string
  /** When true Graft makes no network request at all: every Hub call fails with OFFLINE before fetching. */
  offline: boolean
  /** What made Graft offline, for messages: the env variable or the in-app switch. */
  offlineReason: string | null
  /** The access token (never logged, never put in messages); null when signed out. */
  token: string | null
  tokenSource: TokenSource | null
  /** For display: where a file token was read from. */
  tokenPath: string | null
  /** The Python-compatible Hub cache (models--org--name/{blobs,snapshots,refs}). */
  cacheDir: string
  /** How long a request waits for the Hub to answer; HUB_ANSWER_TIMEOUT_MS unless GRAFT_HUB_TIMEOUT_MS says otherwise. */
  answerTimeoutMs?: number
  /** Aborted when Graft is switched offline: every request (and Hub job) made with this config stops at once. */
  goneOffline?: AbortSignal
}

export interface ResolveHubConfigOptions {
  env?: NodeJS.ProcessEnv
  home?: string
  /** Overrides HF_ENDPOINT. */
  endpoint?: string
  /** The in-app offline switch. True forces offline; HF_HUB_OFFLINE=1 makes Graft offline whatever this says. */
  offline?: boolean
  /** A token entered in the app (from a TokenStore) or given by the caller; wins over HF_TOKEN and the token file. */
  token?: string | null
  /** Overrides the cache resolution (HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > $HF_HOME/hub > XDG > ~/.cache). */
  cacheDir?: string
}

/** huggingface_hub treats these values of boolean env variables as true (case-insensitive). */
const TRUTHY = new Set(['1', 'on', 'yes', 'true'])

function envTrue(v: string | undefined): boolean {
  return v !== undefined && TRUTHY.has(v.trim().toLowerCase())
}

function nonEmpty(v: string | undefined | null): string | null {
  return v && v.trim() !== '' ? v.trim() : null
}

function expandHome(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : p
}

/**
 * The token file huggingface_hub (Python) writes on `hf auth login`:
 * $HF_TOKEN_PATH, else $HF_HOME/token, else $XDG_CACHE_HOME/huggingface/token, else ~/.cache/huggingface/token.
 */
export function pythonTokenPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const direct = nonEmpty(env.HF_TOKEN_PATH)
  if (direct) return expandHome(direct, home)
  const hfHome = nonEmpty(env.HF_HOME)
  if (hfHome) return join(expandHome(hfHome, home), 'token')
  const xdg = nonEmpty(env.XDG_CACHE_HOME)
  if (xdg) return join(expandHome(xdg, home), 'huggingface', 'token')
  return join(home, '.cache', 'huggingface', 'token')
}

/** Reads the Python token file; null when it is missing or empty. */
export async function readPythonToken(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): Promise<{ token: string; path: string } | null> {
  const path = pythonTokenPath(env, home)
  const text = await readFile(path, 'utf8').catch(() => null)
  const token = nonEmpty(text)
  return token ? { token, path } : null
}

/**
 * Resolves endpoint, offline mode, token and cache folder with huggingface_hub's precedence:
 * token = explicit > HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN) > the token file.
 */
export async function resolveHubConfig(opts: ResolveHubConfigOptions = {}): Promise<HubConfig> {
  const env = opts.env ?? process.env
  const home = opts.home ?? homedir()
  const endpoint = (nonEmpty(opts.endpoint) ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '')
  try {
    const u = new URL(endpoint)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol')
  } catch {
    throw new GraftError('BAD_REQUEST', `The Hub endpoint "${endpoint}" is not an http(s) URL.`, { hint: 'Fix HF_ENDPOINT (e.g. https://huggingface.co or your mirror).' })
  }
  const offlineReason = envTrue(env.HF_HUB_OFFLINE) ? 'HF_HUB_OFFLINE is set' : opts.offline ? 'the offline switch is on' : null

  let token: string | null = null
  let tokenSource: TokenSource | null = null
  let tokenPath: string | null = null
  const explicit = nonEmpty(opts.token)
  const fromEnv = nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN)
  if (explicit) {
    token = explicit
    tokenSource = 'explicit'
  } else if (fromEnv) {
    token = fromEnv
    tokenSource = 'env'
  } else {
    const file = await readPythonToken(env, home)
    if (file) {
      token = file.token
      tokenSource = 'file'
      tokenPath = file.path
    }
  }
  const timeoutEnv = nonEmpty(env.GRAFT_HUB_TIMEOUT_MS)
  const answerTimeoutMs = timeoutEnv && /^\d{1,7}$/.test(timeoutEnv) && Number(timeoutEnv) > 0 ? Number(timeoutEnv) : HUB_ANSWER_TIMEOUT_MS
  return {
    endpoint,
    answerTimeoutMs,
    offline: offlineReason !== null,
    offlineReason,
    token,
    tokenSource,
    tokenPath,
    cacheDir: opts.cacheDir ? expandHome(opts.cacheDir, home) : hfCacheDir(env, home),
  }
}

/**
 * The credentials to pass to @huggingface/hub. It insists on tokens that start with `hf_` and throws
 * a TypeError before any request otherwise; this turns that into a message that names the source,
 * never the token.
 */
export function hubCredentials(config: HubConfig): { accessToken?: string } {
  if (!config.token) return {}
  if (!config.token.startsWith('hf_')) {
    const where = config.tokenSource === 'env' ? 'HF_TOKEN' : config.tokenSource === 'file' ? `the token file ${config.tokenPath}` : 'the token Graft stored'
    throw new GraftError('BAD_REQUEST', `The Hugging Face token from ${where} does not start with "hf_".`, { hint: 'Create a new access token at huggingface.co/settings/tokens and sign in again.' })
  }
  return { accessToken: config.token }
}

export interface HubFetchOptions {
  config: Pick<HubConfig, 'endpoint' | 'offline' | 'offlineReason' | 'answerTimeoutMs' | 'goneOffline'>
  /** Cancels every request made through this fetch. */
  signal?: AbortSignal
  /** The real fetch (tests inject one); defaults to globalThis.fetch. */
  fetchImpl?: typeof fetch
}

function requestUrl(input: Parameters<typeof fetch>[0]): URL {
  if (input instanceof URL) return input
  if (typeof input === 'string') return new URL(input)
  return new URL(input.url)
}

/**
 * The fetch every Hub call goes through:
 * - offline: throws GraftError('OFFLINE') before any request, so offline means zero network traffic;
 * - adds the caller's AbortSignal, and the config's goneOffline signal, to every request;
 * - gives up when the Hub has not answered (headers) within answerTimeoutMs, saying so plainly;
 * - never sends the Authorization header to a host other than the endpoint (a hostile `Link` header
 *   or redirect target cannot collect the token);
 * - turns network failures into GraftError('HUB') naming the host, never the token. It logs nothing.
 */
export function createHubFetch(opts: HubFetchOptions): typeof fetch {
  const base = opts.fetchImpl ?? globalThis.fetch
  const origin = new URL(opts.config.endpoint).origin
  const hubFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const url = requestUrl(input)
    if (opts.config.offline) {
      throw new GraftError('OFFLINE', `Graft is offline (${opts.config.offlineReason ?? 'offline mode'}), so it did not contact ${url.host}.`, {
        hint: 'Turn the offline switch off (and unset HF_HUB_OFFLINE) to use the Hub, or use models already in the cache.',
      })
    }
    const next: RequestInit = { ...init }
    if (url.origin !== origin && next.headers) {
      const h = new Headers(next.headers)
      h.delete('authorization')
      next.headers = h
    }
    const timeoutMs = opts.config.answerTimeoutMs ?? HUB_ANSWER_TIMEOUT_MS
    const noAnswer = new AbortController()
    const timer = setTimeout(() => noAnswer.abort(), timeoutMs)
    const signals = [opts.signal, init?.signal, opts.config.goneOffline, noAnswer.signal].filter((s): s is AbortSignal => !!s)
    next.signal = AbortSignal.any(signals)
    try {
      return await base(input instanceof Request ? input : url.href, next)
    } catch (e) {
      if (opts.config.goneOffline?.aborted) {
        throw new GraftError('CANCELLED', `Graft was switched offline, so it stopped the request to ${url.host}.`, { hint: 'Turn the offline switch off to use the Hub again.' })
      }
      if (noAnswer.signal.aborted && !opts.signal?.aborted && !init?.signal?.aborted) {
        const secs = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`
        throw new GraftError('HUB', `The Hub did not answer in ${secs} (${url.host}).`, {
          hint: 'The network may be stalled (a firewall, proxy or captive portal). Check the connection or HF_ENDPOINT and try again, or switch Graft to offline mode to use the cache only.',
        })
      }
      if (next.signal?.aborted) throw e
      const cause = (e as { cause?: { code?: string; message?: string } }).cause
      const why = cause?.code ?? cause?.message ?? (e as Error).message
      throw new GraftError('HUB', `Could not reach ${url.host} (${why}).`, {
        hint: 'Check the network connection or HF_ENDPOINT; switch Graft to offline mode to use the cache only.',
        cause: e,
      })
    } finally {
      clearTimeout(timer)
    }
  }
  return hubFetch as typeof fetch
}
