import { createReadStream } from 'node:fs'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { ApiEvent } from '../../shared/api'
import { GraftError } from '../../core/errors'
import type { JobManager } from '../jobs/job-manager'
import { createHandlers } from '../api/create-handlers'
import { dispatchRequest } from '../api/dispatch-request'
import { throttleJobEvents } from '../api/throttle-job-events'
import { createSettingsStore, type SettingsStore } from '../settings/settings-store'
import type { HubService } from '../hub/hub-service'
import type { CompareService } from '../compare/compare-service'
import { webConfigDir } from '../settings/web-config-dir'
import { openBrowser } from './open-browser'
import { createFolderOpener, type FolderOpener } from './folder-opener'
import { resolveStaticFile } from './resolve-static-file'

/** Web mode listens on loopback only: the API reads and hashes local files. */
export const WEB_HOST = '127.0.0.1'
/** Largest WebSocket message accepted; requests are small JSON objects. */
const MAX_MESSAGE_BYTES = 1 << 20
/** The WebSocket path of the API. */
export const API_PATH = '/api'
/** The subprotocol the API speaks; the page offers it together with `graft.token.<token>`. */
export const API_PROTOCOL = 'graft'
/** A WebSocket subprotocol that carries the token: sent only to this server's own port, never stored by the browser. */
export const TOKEN_PROTOCOL_PREFIX = 'graft.token.'
/** Where the page trades a one-time launch code for the token (POST, with the code in X-Graft-Launch). */
export const LAUNCH_PATH = '/launch'
/** How long the launch code the browser is opened with stays valid: long enough for a cold browser start, short enough that a copy read from the process list is stale. */
export const LAUNCH_CODE_TTL_MS = 60_000

export interface WebServerOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** Open the page in a browser when one is available. */
  open?: boolean
  jobs: JobManager
  /** resources/demo; defaults to the one beside this source tree. */
  demoDir?: string
  /** Settings folder; defaults to $GRAFT_CONFIG_DIR or ~/.config/graft. */
  configDir?: string
  env?: NodeJS.ProcessEnv
  /** The settings store, when the caller made one (run-web shares it with the Hub service); else one under configDir. */
  settings?: SettingsStore
  /** The Hub service the job manager also uses (so an entered token reaches Hub jobs); else a session-only one. */
  hub?: HubService
  /** The compare service the job manager also uses; else one started on first use. */
  compare?: CompareService
  /** Opens folders in the system file manager; defaults to createFolderOpener(env). */
  folderOpener?: FolderOpener
  /** Lifetime of the browser's launch code (tests shorten it); default LAUNCH_CODE_TTL_MS. */
  launchCodeTtlMs?: number
}

export interface WebServer {
  /** The page URL to print: the token rides in the fragment (#token=…), which browsers never send to any server. */
  url: string
  token: string
  /** The URL the browser was (or would be) opened with: a one-time launch code instead of the token, for process arguments. */
  launchUrl: string
  port: number
  close(): Promise<void>
}

/** Wire format over the WebSocket. */
export type ClientMessage = { id: string | number; method: string; params?: unknown }
export type ServerMessage = { id: string | number | null; reply: unknown } | { event: ApiEvent }

/**
 * Serves the built renderer over HTTP and the WorkbenchApi over a WebSocket at /api, on
 * 127.0.0.1 only. The static files are the public UI bundle and need no secret. A random
 * per-launch token guards the API: the printed URL carries it in the fragment (#token=…, never
 * sent over the network), the page keeps it in sessionStorage and offers it as the WebSocket
 * subprotocol `graft.token.<token>`; no cookie is set, because browsers send cookies to every port
 * of a host. The browser Graft opens itself gets #launch=<code> instead: a code valid once and for
 * LAUNCH_CODE_TTL_MS, traded for the token at POST /launch, so process arguments never hold the
 * token. Upgrades without the token get 401, from another Origin 403, and a Host header that is
 * not this server's gets 403 (DNS rebinding). Responses carry a strict CSP with no inline script.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? WEB_HOST
  if (host !== WEB_HOST) throw new GraftError('BAD_REQUEST', `Web mode serves on ${WEB_HOST} only, not ${host}.`, { hint: 'Graft reads local files for whoever connects; it never listens on other interfaces.' })
  const env = opts.env ?? process.env
  const token = randomBytes(32).toString('hex')
  const tokenBuf = Buffer.from(token)
  const settings = opts.settings ?? (await createSettingsStore({ dir: opts.configDir ?? webConfigDir(env) }))
  // The file manager opens on this machine, which is the browser's too: the server is loopback-only.
  const opener = opts.folderOpener ?? createFolderOpener(env)
  const handlers = createHandlers({
    mode: 'web',
    demoDir: opts.demoDir ?? fileURLToPath(new URL('../../../resources/demo', import.meta.url)),
    settings,
    jobs: opts.jobs,
    pickFolder: async () => null,
    openFolder: opener.open,
    openFolderNote: opener.note,
    env,
    hub: opts.hub,
    compare: opts.compare,
  })

  let port = 0
  // One launch code per server: valid once, and only until launchExpires.
  let launchCode: Buffer | null = randomBytes(16)
  let launchExpires = 0
  const launchCodeHex = launchCode.toString('hex')
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`]
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`)
  const tokenOk = (candidate: string | null | undefined) => {
    if (!candidate) return false
    const b = Buffer.from(candidate)
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf)
  }
  /** The token offered as a WebSocket subprotocol (`graft.token.<token>`). */
  const protocolToken = (req: IncomingMessage) => {
    for (const p of String(req.headers['sec-websocket-protocol'] ?? '').split(',')) {
      const t = p.trim()
      if (t.startsWith(TOKEN_PROTOCOL_PREFIX)) return t.slice(TOKEN_PROTOCOL_PREFIX.length)
    }
    return null
  }
  /** Trades the launch code for the token, once. */
  const redeemLaunchCode = (candidate: string | undefined): boolean => {
    if (!launchCode || !candidate || Date.now() > launchExpires) return false
    const b = Buffer.from(candidate, 'utf8')
    if (b.length !== launchCodeHex.length || !timingSafeEqual(b, Buffer.from(launchCodeHex))) return false
    launchCode = null
    return true
  }
  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
    'Cache-Control': 'no-store',
  })

  const deny = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' })
    res.end(text + '\n')
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return deny(res, 403, 'Forbidden: unexpected Host header.')
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (url.pathname === LAUNCH_PATH && req.method === 'POST') {
      // Only this page's own script can send the header (a cross-site form cannot, and CORS is never granted).
      const origin = req.headers.origin
      if (origin !== undefined && !allowedOrigins().includes(origin)) return deny(res, 403, 'Forbidden.')
      const code = req.headers['x-graft-launch']
      if (!redeemLaunchCode(typeof code === 'string' ? code : undefined)) return deny(res, 410, 'This launch link was already used or has expired: open Graft with the link it printed in the terminal.')
      req.resume()
      res.writeHead(200, { ...securityHeaders(), 'Content-Type': 'application/json; charset=utf-8' })
      return res.end(JSON.stringify({ token }))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return deny(res, 405, 'Method not allowed.')
    }
    if (url.pathname === API_PATH) return deny(res, 426, 'The API speaks WebSocket.')
    const found = await resolveStaticFile(opts.rendererDir, url.pathname)
    if (!found) return deny(res, 404, 'Not found.')
    const headers: Record<string, string | string[]> = { ...securityHeaders(), 'Content-Type': found.type, 'Content-Length': String(found.size) }
    res.writeHead(200, headers)
    if (req.method === 'HEAD') return res.end()
    createReadStream(found.file).on('error', () => res.destroy()).pipe(res)
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) deny(res, 500, 'Internal error.')
      else res.destroy()
    })
  })
  // The page offers [API_PROTOCOL, graft.token.<token>]; the server answers with API_PROTOCOL only, so the token is never echoed.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols: (offered) => (offered.has(API_PROTOCOL) ? API_PROTOCOL : false) })
  const clients = new Set<WebSocket>()

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`)
      socket.destroy()
    }
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(403, 'Forbidden')
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (url.pathname !== API_PATH) return refuse(404, 'Not Found')
    if (!tokenOk(protocolToken(req))) return refuse(401, 'Unauthorized')
    // Browsers always send Origin on a WebSocket handshake; a page from anywhere else is refused.
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins().includes(origin)) return refuse(403, 'Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('error', () => clients.delete(ws))
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void handleMessage(ws, data, isBinary)
    })
  })

  const send = (ws: WebSocket, msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg))
  }
  const handleMessage = async (ws: WebSocket, data: RawData, isBinary: boolean) => {
    let msg: Partial<ClientMessage> | null = null
    try {
      msg = isBinary ? null : (JSON.parse(data.toString()) as Partial<ClientMessage>)
    } catch {
      msg = null
    }
    const id = msg && (typeof msg.id === 'string' || typeof msg.id === 'number') ? msg.id : null
    if (!msg || typeof msg !== 'object' || id === null) {
      return send(ws, { id, reply: { ok: false, error: { code: 'BAD_REQUEST', message: 'Expected a JSON object {id, method, params}.' } } })
    }
    send(ws, { id, reply: await dispatchRequest(handlers, msg.method, msg.params) })
  }

  const throttle = throttleJobEvents((job) => {
    const text = JSON.stringify({ event: { type: 'job', job } } satisfies ServerMessage)
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text)
  })
  const unsubscribe = opts.jobs.onUpdate((job) => throttle.push(job))

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  port = (server.address() as AddressInfo).port
  const url = `http://${host}:${port}/#token=${token}`
  const launchUrl = `http://${host}:${port}/#launch=${launchCodeHex}`
  launchExpires = Date.now() + (opts.launchCodeTtlMs ?? LAUNCH_CODE_TTL_MS)
  if (opts.open) openBrowser(launchUrl, env)
  else launchCode = null

  let closed: Promise<void> | null = null
  return {
    url,
    token,
    launchUrl,
    port,
    close() {
      closed ??= (async () => {
        unsubscribe()
        throttle.dispose()
        for (const ws of clients) ws.terminate()
        await new Promise<void>((r) => wss.close(() => r()))
        await new Promise<void>((r) => {
          server.close(() => r())
          server.closeAllConnections()
        })
      })()
      return closed
    },
  }
}
