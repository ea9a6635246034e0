// A minimal stand-in for Electron's main-process API, recording what Graft's main asks of it.
// Lets the built out/main/index.js run under plain Node where Electron's binary is missing.
const state = (globalThis.__electronStub = { handlers: new Map(), windows: [], sent: [], appListeners: {}, sandbox: false, quit: false, loaded: null, opened: [], openPathFailure: '' })

class WebContents {
  listeners = {}
  openHandler = null
  on(event, fn) {
    this.listeners[event] = fn
  }
  setWindowOpenHandler(fn) {
    this.openHandler = fn
  }
  send(channel, payload) {
    state.sent.push([channel, payload])
  }
  isDestroyed() {
    return false
  }
}

export class BrowserWindow {
  constructor(opts) {
    this.opts = opts
    this.webContents = new WebContents()
    state.windows.push(this)
    for (const fn of state.appListeners['web-contents-created'] ?? []) fn({}, this.webContents)
  }
  static getAllWindows() {
    return state.windows
  }
  static getFocusedWindow() {
    return state.windows[0] ?? null
  }
  static fromWebContents(wc) {
    return state.windows.find((w) => w.webContents === wc) ?? null
  }
  maximize() {}
  once() {}
  on() {}
  isDestroyed() {
    return false
  }
  async loadFile(file) {
    state.loaded = file
  }
  async loadURL(url) {
    state.loaded = url
  }
}

export const app = {
  isPackaged: false,
  enableSandbox() {
    state.sandbox = true
  },
  requestSingleInstanceLock: () => true,
  on(event, fn) {
    ;(state.appListeners[event] ??= []).push(fn)
  },
  whenReady: () => Promise.resolve(),
  getPath: () => process.env.GRAFT_CONFIG_DIR,
  getAppPath: () => process.cwd(),
  quit() {
    state.quit = true
  },
}
export const ipcMain = { handle: (ch, fn) => state.handlers.set(ch, fn), removeHandler: (ch) => state.handlers.delete(ch) }
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) }
// shell.openPath answers '' on success, else an error message (set openPathFailure to fail).
export const shell = {
  async openPath(path) {
    state.opened.push(path)
    return state.openPathFailure
  },
}
export const nativeTheme = { shouldUseDarkColors: false }
export const screen = { getAllDisplays: () => [] }
export const session = { defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, webRequest: { onHeadersReceived() {} } } }
export default { BrowserWindow, app, ipcMain, dialog, shell, nativeTheme, screen, session }
