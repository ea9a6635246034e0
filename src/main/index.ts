/**
 * Electron main: the composition root. It hardens every web contents, creates the worker pool,
 * job manager and settings, registers one IPC handler per allow-listed API method (sender
 * checked), forwards job events to the windows, and opens the main window.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, shell } from 'electron'
// safeStorage is read off the module object: an electron without it (the e2e stub) means no encryption.
import electron from 'electron'
import workerPath from '../worker/graft-worker?modulePath'
import compareWorkerPath from '../worker/compare-worker?modulePath'
import { JobManager } from './jobs/job-manager'
import { createPoolRunner } from './jobs/pool-runner'
import { createHandlers } from './api/create-handlers'
import { throttleJobEvents } from './api/throttle-job-events'
import { createSettingsStore } from './settings/settings-store'
import { createMainWindow } from './electron/create-main-window'
import { hardenWebContents } from './electron/harden-web-contents'
import { isTrustedSender } from './electron/is-trusted-sender'
import { broadcastEvent, registerIpc } from './electron/register-ipc'
import { BASE_CHOICES_FILE, createHubService } from './hub/hub-service'
import { selectTokenStore } from './hub/select-token-store'
import { createCompareService } from './compare/compare-service'
import { GraftError } from '../core/errors'

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
  const configDir = process.env.GRAFT_CONFIG_DIR ?? app.getPath('userData')
  const settings = await createSettingsStore({ dir: configDir })
  // A token entered in the app: encrypted with safeStorage in <userData>/hub-token.json, or kept in
  // memory for the session where the OS offers no real encryption. Never written in plain text.
  const tokens = selectTokenStore({ dir: configDir, safeStorage: electron.safeStorage ?? null })
  const hub = createHubService({ settings, env: process.env, tokenStore: tokens.store, tokenStorage: tokens.storage, choicesFile: join(configDir, BASE_CHOICES_FILE) })
  // The bundled worker chunk cannot find resources/ relative to itself; point it at the app's copy.
  process.env.GRAFT_KERNELS_WASM ??= join(app.getAppPath(), 'resources', 'kernels.wasm')
  // The planners refuse outputs inside the app's own resources (the demo models).
  process.env.GRAFT_RESOURCES_DIR ??= join(app.getAppPath(), 'resources')
  const runner = createPoolRunner({ workerFile: workerPath })
  const compare = createCompareService({ workerFile: compareWorkerPath })
  const jobs = new JobManager(runner, { hub, compare })
  const handlers = createHandlers({
    mode: 'electron',
    demoDir: join(app.getAppPath(), 'resources', 'demo'),
    settings,
    jobs,
    hub,
    compare,
    async pickFolder() {
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
      const opts = { title: 'Add a folder to the Library', properties: ['openDirectory' as const] }
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]
    },
    // The handler has checked that the path is an existing plain folder. openPath answers an
    // error message, or '' when the file manager opened it.
    async openFolder(path) {
      const failure = await shell.openPath(path)
      if (failure) throw new GraftError('UNAVAILABLE', `Could not open ${path}: ${failure}`, { file: path, hint: 'Open the folder in your file manager yourself.' })
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
    void Promise.allSettled([runner.close(), compare.close(), settings.idle()]).finally(() => app.quit())
  })
}
