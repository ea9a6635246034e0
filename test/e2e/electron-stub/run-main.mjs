// Runs the built Electron main (out/main/index.js) against the stub and prints one JSON report:
// window preferences, IPC handlers, sender checks, navigation blocking and a real hash job run
// by the bundled piscina worker chunk, and app.openFolder through shell.openPath.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { quitAndReport, startMain, waitForJob } from './drive-main.mjs'

const { s, win, trusted, call } = await startMain()
const report = {
  sandboxEnabled: s.sandbox,
  channels: [...s.handlers.keys()].sort(),
  loaded: s.loaded,
  webPreferences: win.opts.webPreferences,
  preloadExists: existsSync(win.opts.webPreferences.preload),
  appInfo: await call('app.info', {}),
  library: await call('library.list', {}),
  badParams: await call('model.inspect', { path: 42 }),
  untrusted: await call('app.info', {}, { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } }),
  subframe: await call('app.info', {}, { sender: win.webContents, senderFrame: { url: trusted.senderFrame.url, parent: {} } }),
}
// app.openFolder: main checks the path, then shell.openPath shows it; a file never reaches the shell.
const demoBase = join(process.cwd(), 'resources', 'demo', 'base')
report.openFolder = await call('app.openFolder', { path: demoBase })
report.openFile = await call('app.openFolder', { path: join(demoBase, 'model.safetensors') })
s.openPathFailure = 'Failed to open path'
report.openFailed = await call('app.openFolder', { path: demoBase })
report.opened = s.opened
const nav = { prevented: false, preventDefault() { this.prevented = true } }
win.webContents.listeners['will-navigate'](nav, 'https://example.com/')
report.navigationBlocked = nav.prevented
report.windowOpen = win.webContents.openHandler({ url: 'https://example.com/' })
const started = await call('jobs.start', { kind: 'hash', params: { path: join(process.cwd(), 'resources', 'demo', 'base') } })
report.job = await waitForJob(s, started.result?.id, 300)
await quitAndReport(s, report, 50)
