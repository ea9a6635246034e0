import type { ErrorInfo } from '../../shared/errors'
import { toErrorInfo } from '../errors'
import { createHubFetch, type HubConfig } from './hub-config'
import { toHubError } from './hub-error'

/**
 * Whether the Hub endpoint answers at all: one small GET of /api/models?limit=1 through the Hub
 * fetch (offline guard, answer timeout). Any HTTP answer, even an error status, counts as
 * reachable; a network failure or no answer in time does not. Never sends the token.
 */
export async function checkHubReachable(opts: { config: HubConfig; signal?: AbortSignal; fetchImpl?: typeof fetch }): Promise<{ ok: boolean; error: ErrorInfo | null }> {
  const fetch = createHubFetch({ config: opts.config, signal: opts.signal, fetchImpl: opts.fetchImpl })
  try {
    const res = await fetch(`${opts.config.endpoint}/api/models?limit=1`, { method: 'GET' })
    await res.body?.cancel().catch(() => {})
    return { ok: true, error: null }
  } catch (e) {
    return { ok: false, error: toErrorInfo(toHubError(e, { what: 'Reaching the Hub', signal: opts.signal })) }
  }
}
