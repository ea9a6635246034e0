import type { ApiEvent, ApiMethod, ApiMethods, ApiReply, WorkbenchApi } from '../../../shared/api'

export type ConnectionStatus = 'connecting' | 'open' | 'closed'

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
 * an error (the app side may or may not have run them). It reconnects with backoff.
 */
export function createWsApi(url: string): WsApi {
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

  const connect = () => {
    setStatus('connecting')
    const sock = new WebSocket(url)
    ws = sock
    sock.onopen = () => {
      attempt = 0
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
    sock.onclose = () => {
      if (ws !== sock) return
      ws = null
      for (const [id, p] of pending) {
        if (!p.sent) continue
        pending.delete(id)
        p.resolve({ ok: false, error: { code: 'INTERNAL', message: 'Lost the connection to Graft while waiting for an answer.', hint: 'Check that Graft is still running, then try again.' } })
      }
      setStatus('closed')
      setTimeout(connect, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)])
    }
  }
  connect()

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
