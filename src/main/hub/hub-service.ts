import { dirname, join } from 'node:path'
import type { HubStatus } from '../../shared/api'
import type { ErrorInfo } from '../../shared/errors'
import { GraftError, toErrorInfo } from '../../core/errors'
import { resolveHubConfig, type HubConfig } from '../../core/hub/hub-config'
import { scrubToken } from '../../core/hub/hub-error'
import { createMemoryTokenStore, type TokenStore } from '../../core/hub/token-store'
import { whoAmI, type HubIdentity } from '../../core/hub/whoami'
import { checkHubReachable } from '../../core/hub/check-reachable'
import type { SettingsStore } from '../settings/settings-store'

/** How long a whoami answer is reused for the same endpoint and token: the status is asked for often. */
const IDENTITY_TTL_MS = 5 * 60 * 1000

/** A token as the Hub issues them; anything else is refused before it is stored or sent. */
export const HUB_TOKEN_RE = /^hf_[A-Za-z0-9_-]{4,250}$/

/** Where an app-entered token is kept: encrypted on disk (Electron safeStorage), or in memory for the session. */
export type TokenStorage = 'encrypted' | 'session'

/**
 * The Hub as the app sees it: one HubConfig per call (the stored token, the settings' offline
 * switch, HF_ENDPOINT / HF_HUB_OFFLINE / HF_HUB_CACHE from the environment), sign-in and sign-out,
 * and the status the UI shows. Shared by the API handlers and the job manager so both use the same
 * token and switch. It never logs the token and never returns it.
 */
export interface HubService {
  config(): Promise<HubConfig>
  /** With check, also asks the Hub whether it answers (no request when offline). */
  status(opts?: { check?: boolean }): Promise<HubStatus>
  /** Checks the token with whoami when online (a refused token is not stored), then stores it. */
  setToken(token: string): Promise<HubStatus>
  clearToken(): Promise<HubStatus>
  /** Turning offline on also aborts every Hub request and Hub job in flight. */
  setOffline(offline: boolean): Promise<HubStatus>
  /** The JSON file of remembered base-model choices (resolveBaseModel's choicesFile). */
  readonly choicesFile: string
  readonly tokenStorage: TokenStorage
}

/** HF_HUB_OFFLINE as huggingface_hub reads it (1, true, yes, on): the app's switch cannot override it. */
export function envForcesOffline(env: NodeJS.ProcessEnv): boolean {
  const v = env.HF_HUB_OFFLINE?.trim().toLowerCase()
  return v === '1' || v === 'true' || v === 'yes' || v === 'on'
}

export interface HubServiceOptions {
  settings: Pick<SettingsStore, 'get' | 'update'>
  tokenStore: TokenStore
  tokenStorage: TokenStorage
  choicesFile: string
  env?: NodeJS.ProcessEnv
  /** Test hook: the fetch under the offline guard (whoami). */
  fetchImpl?: typeof fetch
}

export function createHubService(opts: HubServiceOptions): HubService {
  const env = opts.env ?? process.env
  const fetchImpl = opts.fetchImpl
  let identity: { key: string; at: number; who: HubIdentity } | null = null
  const keyOf = (c: HubConfig) => `${c.endpoint}\n${c.token ?? ''}`

  // Switching offline aborts this controller: every request and Hub job made with an earlier config stops.
  let online = new AbortController()
  const configWith = async (token: string | null): Promise<HubConfig> => ({ ...(await resolveHubConfig({ env, offline: opts.settings.get().hubOffline === true, token })), goneOffline: online.signal })
  const config = async () => configWith(await opts.tokenStore.get())

  const identify = async (c: HubConfig): Promise<{ who: HubIdentity | null; error: ErrorInfo | null }> => {
    if (!c.token) return { who: null, error: null }
    const key = keyOf(c)
    if (identity && identity.key === key && Date.now() - identity.at < IDENTITY_TTL_MS) return { who: identity.who, error: null }
    // Offline means zero requests: the token stays unchecked until Graft is online again.
    if (c.offline) return { who: null, error: null }
    try {
      const who = await whoAmI({ config: c, fetchImpl: opts.fetchImpl })
      identity = { key, at: Date.now(), who }
      return { who, error: null }
    } catch (e) {
      const info = toErrorInfo(e)
      return { who: null, error: { ...info, message: scrubToken(info.message, c.token), hint: info.hint ? scrubToken(info.hint, c.token) : undefined } }
    }
  }

  const status = async (ask: { check?: boolean } = {}): Promise<HubStatus> => {
    const c = await config()
    const { who, error } = await identify(c)
    const checked = ask.check ? await checkHubReachable({ config: c, fetchImpl: fetchImpl }) : null
    return {
      ...(checked ? { reachable: { ...checked, checkedAt: new Date().toISOString() } } : {}),
      endpoint: c.endpoint,
      offline: c.offline,
      offlineReason: c.offlineReason,
      offlineForced: envForcesOffline(env),
      offlineSwitch: opts.settings.get().hubOffline === true,
      signedIn: who?.name ?? null,
      hasToken: c.token !== null,
      tokenSource: c.tokenSource === 'explicit' ? 'app' : c.tokenSource,
      canStoreToken: opts.tokenStorage === 'session' || opts.tokenStore.canPersist,
      tokenStorage: opts.tokenStorage,
      identityError: error,
      cacheDir: c.cacheDir,
    }
  }

  return {
    choicesFile: opts.choicesFile,
    tokenStorage: opts.tokenStorage,
    config,
    status,
    async setToken(raw: string) {
      const token = raw.trim()
      if (!HUB_TOKEN_RE.test(token)) {
        throw new GraftError('BAD_REQUEST', 'That is not a Hugging Face access token: tokens start with "hf_".', { hint: 'Copy a token from huggingface.co/settings/tokens.' })
      }
      const c = await configWith(token)
      if (!c.offline) {
        // whoAmI scrubs the token from its errors; a refused token is not stored.
        const who = await whoAmI({ config: c, fetchImpl: opts.fetchImpl })
        identity = { key: keyOf(c), at: Date.now(), who }
      }
      await opts.tokenStore.set(token)
      return status()
    },
    async clearToken() {
      await opts.tokenStore.clear()
      identity = null
      return status()
    },
    async setOffline(offline: boolean) {
      await opts.settings.update((s) => {
        s.hubOffline = offline
      })
      if (offline) {
        online.abort()
        online = new AbortController()
      }
      return status()
    },
  }
}

/** The remembered base-model choices, beside settings.json. */
export const BASE_CHOICES_FILE = 'base-models.json'

/**
 * The Hub service of web mode (and the fallback when a host passes none): a token entered in the
 * app is kept in memory for this session only; the offline switch and base-model choices are saved
 * beside the settings.
 */
export function createSessionHubService(opts: { settings: SettingsStore; env?: NodeJS.ProcessEnv }): HubService {
  return createHubService({
    settings: opts.settings,
    env: opts.env,
    tokenStore: createMemoryTokenStore(),
    tokenStorage: 'session',
    choicesFile: join(dirname(opts.settings.file), BASE_CHOICES_FILE),
  })
}
