import { app, session } from 'electron'

/** The renderer's Content-Security-Policy (index.html carries the same one in a meta tag). */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * App-wide Electron hardening, applied before any window exists: no permissions granted, a strict
 * CSP on every response, and for every web contents no navigation away from Graft's page, no new
 * windows and no <webview>.
 */
export function hardenWebContents(opts: { isOwnPage(url: string): boolean }): void {
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP], 'X-Content-Type-Options': ['nosniff'] } })
  })
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!opts.isOwnPage(url)) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!opts.isOwnPage(url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  })
}
