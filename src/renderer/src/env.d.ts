import type { DesktopBridge } from '../../shared/api'

declare global {
  interface Window {
    /**
     * Present in Electron, exposed by the preload (the WorkbenchApi plus pathForFile for dropped
     * folders); absent in web mode (the WebSocket client stands in, and drops carry no paths).
     */
    graft?: DesktopBridge
  }
}

export {}
