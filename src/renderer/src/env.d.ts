import type { WorkbenchApi } from '../../shared/api'

declare global {
  interface Window {
    /** Present in Electron, exposed by the preload; absent in web mode (the WebSocket client stands in). */
    graft?: WorkbenchApi
  }
}

export {}
