import { BrowserWindow, nativeTheme, screen } from 'electron'
import type { SettingsStore, WindowState } from '../settings/settings-store'

/**
 * The main window: context isolation, sandbox, no Node in the renderer, web security on. It
 * reopens where it was closed (if that spot is still on a screen) and saves its state on close.
 */
export function createMainWindow(opts: { preload: string; load: (win: BrowserWindow) => Promise<void>; settings: SettingsStore }): BrowserWindow {
  const saved = opts.settings.get().window
  const bounds = saved && isOnScreen(saved) ? { x: saved.x, y: saved.y, width: saved.width, height: saved.height } : { width: 1280, height: 800 }
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Graft',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f6f7f9',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  if (saved?.maximized) win.maximize()
  win.once('ready-to-show', () => win.show())
  win.on('close', () => {
    const b = win.getNormalBounds()
    const state: WindowState = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() }
    void opts.settings.update((s) => {
      s.window = state
    })
  })
  void opts.load(win)
  return win
}

function isOnScreen(s: WindowState): boolean {
  if (s.x === undefined || s.y === undefined) return true
  return screen.getAllDisplays().some((d) => {
    const a = d.workArea
    return s.x! < a.x + a.width - 50 && s.x! + s.width > a.x + 50 && s.y! >= a.y - 10 && s.y! < a.y + a.height - 50
  })
}
