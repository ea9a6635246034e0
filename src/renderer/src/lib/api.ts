import type { ApiMethod, ApiMethods, WorkbenchApi } from '../../../shared/api'
import type { ErrorInfo } from '../../../shared/errors'
import { createWsApi, type WsApi } from './ws-api'
import { redeemLaunchCode, takeWebCredential } from './web-token'

/** Which transport carries the API: the Electron preload bridge, or web mode's WebSocket. */
export interface Transport {
  api: WorkbenchApi
  /** Only web mode has a connection that can drop. */
  ws: WsApi | null
}

let transport: Transport | null = null

/** The renderer's single entry to the app. It never knows more than the WorkbenchApi contract. */
export function getTransport(): Transport {
  if (transport) return transport
  if (window.graft) {
    transport = { api: window.graft, ws: null }
  } else {
    // The token never stays in the address bar; a new link pasted into this tab reloads it.
    const credential = takeWebCredential(location, history, sessionStorage)
    window.addEventListener('hashchange', () => {
      if (/^#(token|launch)=/.test(location.hash)) location.reload()
    })
    const getToken = async () => (!credential ? null : 'token' in credential ? credential.token : redeemLaunchCode(credential.launch, sessionStorage))
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = createWsApi(`${scheme}//${location.host}/api`, getToken)
    transport = { api: ws, ws }
  }
  return transport
}

/** Thrown by call() for an error reply, carrying the ErrorInfo the UI shows. */
export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message)
  }
}

/** Invokes a method and unwraps its reply: the result, or an ApiError. */
export async function call<M extends ApiMethod>(method: M, params: ApiMethods[M]['params']): Promise<ApiMethods[M]['result']> {
  const reply = await getTransport().api.invoke(method, params)
  if (!reply.ok) throw new ApiError(reply.error)
  return reply.result
}

export function errorInfoOf(e: unknown): ErrorInfo {
  if (e instanceof ApiError) return e.info
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) }
}
