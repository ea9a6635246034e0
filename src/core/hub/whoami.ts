import { whoAmI as hubWhoAmI } from '@huggingface/hub'
import { GraftError } from '../errors'
import { createHubFetch, hubCredentials, type HubConfig, type TokenSource } from './hub-config'
import { toHubError } from './hub-error'

export interface HubIdentity {
  name: string
  type: 'user' | 'org' | 'app'
  fullname: string | null
  orgs: string[]
  /** read / write / fineGrained, from the token's own metadata. */
  tokenRole: string | null
  tokenName: string | null
  /** Where the token came from (never the token itself). */
  tokenSource: TokenSource | null
}

/** Who the configured token belongs to (GET /api/whoami-v2). Without a token: PERMISSION_DENIED. */
export async function whoAmI(opts: { config: HubConfig; signal?: AbortSignal; fetchImpl?: typeof fetch }): Promise<HubIdentity> {
  const { config } = opts
  const cred = hubCredentials(config)
  if (!cred.accessToken) {
    if (config.offline) throw new GraftError('OFFLINE', `Graft is offline (${config.offlineReason ?? 'offline mode'}) and no token is set.`)
    throw new GraftError('PERMISSION_DENIED', 'Not signed in to the Hugging Face Hub.', { hint: 'Enter a token in Settings, set HF_TOKEN, or run `hf auth login`.' })
  }
  const fetch = createHubFetch({ config, signal: opts.signal, fetchImpl: opts.fetchImpl })
  try {
    const me = await hubWhoAmI({ accessToken: cred.accessToken, hubUrl: config.endpoint, fetch })
    const orgs = 'orgs' in me && Array.isArray(me.orgs) ? me.orgs.map((o) => o.name) : []
    return {
      name: me.name,
      type: me.type,
      fullname: 'fullname' in me && typeof me.fullname === 'string' ? me.fullname : null,
      orgs,
      tokenRole: me.auth?.accessToken?.role ?? null,
      tokenName: me.auth?.accessToken?.displayName ?? null,
      tokenSource: config.tokenSource,
    }
  } catch (e) {
    throw toHubError(e, { token: config.token, what: 'Checking the Hugging Face token', signal: opts.signal })
  }
}
