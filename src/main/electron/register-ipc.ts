import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { API_METHODS, type ApiEvent } from '../../shared/api'
import type { ApiHandlers } from '../api/create-handlers'
import { dispatchRequest } from '../api/dispatch-request'
import { isTrustedSender } from './is-trusted-sender'

/** IPC channel of one API method; the preload builds the same names from the same allow-list. */
export const channelFor = (method: string) => `graft:${method}`
/** The channel main pushes ApiEvents on. */
export const EVENT_CHANNEL = 'graft:event'

/**
 * One ipcMain.handle per allow-listed method. Every call is checked: it must come from the top
 * frame of Graft's own page in one of Graft's windows; anything else gets BAD_REQUEST and is
 * never dispatched. Params are validated again in dispatchRequest (the renderer is not trusted).
 */
export function registerIpc(opts: { handlers: ApiHandlers; rendererUrl: string }): () => void {
  for (const method of API_METHODS) {
    const channel = channelFor(method)
    ipcMain.removeHandler(channel)
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, params: unknown) => {
      if (!BrowserWindow.fromWebContents(event.sender) || !isTrustedSender(event.senderFrame, opts.rendererUrl)) {
        console.warn(`graft: refused ${method} from ${event.senderFrame?.url ?? 'an unknown frame'}`)
        return { ok: false, error: { code: 'BAD_REQUEST', message: 'Refused: the request did not come from a Graft window.' } }
      }
      return dispatchRequest(opts.handlers, method, params)
    })
  }
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(channelFor(method))
  }
}

/** Sends an event to every Graft window. */
export function broadcastEvent(event: ApiEvent): void {
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event)
  }
}
