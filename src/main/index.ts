/**
 * Electron main: the composition root. It hardens every web contents, creates the worker pool,
 * job manager and settings, registers one IPC handler per allow-listed API method (sender
 * checked), forwards job events to the windows, and opens the main window.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog } from 'electron'
import workerPath from '../worker/graft-worker?modulePath'
import { JobManager } from './jobs/job-manager'
import { createPoolRunner } from './jobs/pool-runner'
import { createHandlers } from './api/create-handlers'
import { throttleJobEvents } from './api/throttle-job-events'
import { createSettingsStore } from './settings/settings-store'
import { createMainWindow } from './electron/create-main-window'
import { hardenWebContents } from './electron/harden-web-contents'
import { isTrustedSender } from './electron/is-trusted-sender'
import { broadcastEvent, registerIpc } from './electron/register-ipc'

const here = import.meta.dirname
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const rendererFile = join(here, '../renderer/index.html')
const rendererUrl = devUrl ?? pathToFileURL(rendererFile).href

app.enableSandbox()
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0]
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })
  void app.whenReady().then(start)
}

async function start(): Promise<void> {
  hardenWebContents({ isOwnPage: (url) => isTrustedSender({ url, parent: null }, rendererUrl) })
  const settings = await createSettingsStore({ dir: process.env.GRAFT_CONFIG_DIR ?? app.getPath('userData') })
  // The bundled worker chunk cannot find resources/ relative to itself; point it at the app's copy.
  process.env.GRAFT_KERNELS_WASM ??= join(app.getAppPath(), 'resources', 'kernels.wasm')
  const runner = createPoolRunner({ workerFile: workerPath })
  const jobs = new JobManager(runner)
  const handlers = createHandlers({
    mode: 'electron',
    demoDir: join(app.getAppPath(), 'resources', 'demo'),
    settings,
    jobs,
    async pickFolder() {
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
      const opts = { title: 'Add a folder to the Library', properties: ['openDirectory' as const] }
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]
    },
  })
  registerIpc({ handlers, rendererUrl })
  const throttle = throttleJobEvents((job) => broadcastEvent({ type: 'job', job }))
  jobs.onUpdate((job) => throttle.push(job))

  const openWindow = () =>
    createMainWindow({
      preload: join(here, '../preload/index.cjs'),
      settings,
      load: (win) => (devUrl ? win.loadURL(devUrl) : win.loadFile(rendererFile)),
    })
  openWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  let quitting = false
  app.on('before-quit', (e) => {
    if (quitting) return
    e.preventDefault()
    quitting = true
    for (const j of jobs.list()) if (j.state === 'running' || j.state === 'queued') jobs.cancel(j.id)
    throttle.dispose()
    // Let the window-state write (made on close) and the pool finish before quitting.
    void Promise.allSettled([runner.close(), settings.idle()]).finally(() => app.quit())
  })
}
