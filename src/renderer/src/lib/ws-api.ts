import type { ApiEvent, ApiMethod, ApiMethods, ApiReply, WorkbenchApi } from '../../../shared/api'

/** 'unauthorized': Graft answers but refuses this tab's token (it was restarted, or the page was opened without its link). */
export type ConnectionStatus = 'connecting' | 'open' | 'closed' | 'unauthorized'

/** The subprotocol the API speaks, and the prefix of the one that carries the token (see src/main/web/serve.ts). */
const API_PROTOCOL = 'graft'
const TOKEN_PROTOCOL_PREFIX = 'graft.token.'
/** Refused handshakes in a row, with the server up, before the tab concludes its token is stale. */
const REFUSALS_BEFORE_UNAUTHORIZED = 2

/** The WorkbenchApi over web mode's WebSocket, plus its connection state. */
export interface WsApi extends WorkbenchApi {
  status(): ConnectionStatus
  onStatus(listener: (s: ConnectionStatus) => void): () => void
}

/** Reconnect delays: quick at first, then at most every few seconds. */
const RETRY_MS = [250, 500, 1000, 2000, 4000]

/**
 * Web mode's transport: {id, method, params} out, {id, reply} back, {event} pushed. Requests made
 * while disconnected wait for the connection; requests in flight when it drops are answered with
 * an error (the app side may or may not have run them). It reconnects with backoff. The token
 * (from `getToken`, asked once) travels as a WebSocket subprotocol, never in the URL. When the
 * handshake fails while the page's own server still answers HTTP, the token is stale: the status
 * becomes 'unauthorized' and it stops retrying.
 */
export function createWsApi(url: string, getToken: () => Promise<string | null>, serverAnswers: () => Promise<boolean> = pageServerAnswers): WsApi {
  let ws: WebSocket | null = null
  let status: ConnectionStatus = 'connecting'
  let nextId = 1
  let attempt = 0
  const pending = new Map<number, { resolve: (r: ApiReply<ApiMethod>) => void; sent: boolean; text: string }>()
  const eventListeners = new Set<(e: ApiEvent) => void>()
  const statusListeners = new Set<(s: ConnectionStatus) => void>()

  const setStatus = (s: ConnectionStatus) => {
    if (s === status) return
    status = s
    for (const l of statusListeners) l(s)
  }

  let tokenPromise: Promise<string | null> | null = null
  let refusals = 0
  const connect = async () => {
    setStatus('connecting')
    tokenPromise ??= getToken()
    const token = await tokenPromise
    if (!token) return setStatus('unauthorized')
    const sock = new WebSocket(url, [API_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token])
    let opened = false
    ws = sock
    sock.onopen = () => {
      opened = true
      attempt = 0
      refusals = 0
      setStatus('open')
      for (const p of pending.values()) {
        if (!p.sent) {
          sock.send(p.text)
          p.sent = true
        }
      }
    }
    sock.onmessage = (m) => {
      let msg: { id?: unknown; reply?: ApiReply<ApiMethod>; event?: ApiEvent }
      try {
        msg = JSON.parse(String(m.data))
      } catch {
        return
      }
      if (msg.event) {
        for (const l of eventListeners) l(msg.event)
      } else if (typeof msg.id === 'number' && msg.reply) {
        const p = pending.get(msg.id)
        pending.delete(msg.id)
        p?.resolve(msg.reply)
      }
    }
    sock.onclose = async () => {
      if (ws !== sock) return
      ws = null
      for (const [id, p] of pending) {
        if (!p.sent) continue
        pending.delete(id)
        p.resolve({ ok: false, error: { code: 'INTERNAL', message: 'Lost the connection to Graft while waiting for an answer.', hint: 'Check that Graft is still running, then try again.' } })
      }
      if (!opened && (await serverAnswers())) {
        if (++refusals >= REFUSALS_BEFORE_UNAUTHORIZED) return setStatus('unauthorized')
      } else refusals = 0
      setStatus('closed')
      setTimeout(() => void connect(), RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)])
    }
  }
  void connect()

  return {
    invoke<M extends ApiMethod>(method: M, params: ApiMethods[M]['params']): Promise<ApiReply<M>> {
      const id = nextId++
      const text = JSON.stringify({ id, method, params })
      return new Promise<ApiReply<M>>((resolve) => {
        const open = ws !== null && ws.readyState === WebSocket.OPEN
        pending.set(id, { resolve: resolve as (r: ApiReply<ApiMethod>) => void, sent: open, text })
        if (open) ws!.send(text)
      })
    },
    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
  }
}

/** Whether the server that served this page still answers plain HTTP (its static files need no token). */
async function pageServerAnswers(): Promise<boolean> {
  try {
    return (await fetch('/', { method: 'HEAD', cache: 'no-store' })).ok
  } catch {
    return false
  }
}
