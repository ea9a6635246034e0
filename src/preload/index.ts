/**
 * The only renderer-side code that touches Electron. It exposes `window.graft: DesktopBridge`
 * through contextBridge: `invoke` reaches main only for methods on the API_METHODS allow-list
 * (one IPC channel each), `onEvent` delivers ApiEvents without leaking the IPC event object, and
 * `pathForFile` gives the path of a File dropped from the file manager (webUtils; nothing else
 * of the file system is reachable). Built as a single CommonJS bundle so it runs in a sandboxed
 * renderer.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { API_METHODS, type ApiEvent, type ApiMethod, type ApiMethods, type ApiReply, type DesktopBridge } from '../shared/api'

const allowed = new Set<string>(API_METHODS)

const api: DesktopBridge = {
  invoke<M extends ApiMethod>(method: M, params: ApiMethods[M]['params']): Promise<ApiReply<M>> {
    if (typeof method !== 'string' || !allowed.has(method)) {
      return Promise.resolve({ ok: false, error: { code: 'BAD_REQUEST', message: `Unknown method ${JSON.stringify(method)}.` } })
    }
    return ipcRenderer.invoke(`graft:${method}`, params) as Promise<ApiReply<M>>
  },
  onEvent(listener: (e: ApiEvent) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, event: ApiEvent) => listener(event)
    ipcRenderer.on('graft:event', wrapped)
    return () => {
      ipcRenderer.off('graft:event', wrapped)
    }
  },
  pathForFile(file: File): string | null {
    // getPathForFile throws for anything but a File, and answers '' for a File with no path.
    try {
      return webUtils.getPathForFile(file) || null
    } catch {
      return null
    }
  },
}

contextBridge.exposeInMainWorld('graft', api)
