// Runs the built Electron main (out/main/index.js) against the stub and prints one JSON report:
// window preferences, IPC handlers, sender checks, navigation blocking and a real hash job run
// by the bundled piscina worker chunk, and app.openFolder through shell.openPath.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
await import(pathToFileURL(join(process.cwd(), 'out', 'main', 'index.js')).href)
const s = globalThis.__electronStub
for (let i = 0; i < 50 && s.windows.length === 0; i++) await sleep(50)
const win = s.windows[0]
const trusted = { sender: win.webContents, senderFrame: { url: pathToFileURL(s.loaded).href, parent: null } }
const call = (method, params, ev = trusted) => s.handlers.get(`graft:${method}`)(ev, params)
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
let job = null
for (let i = 0; i < 300 && !job?.endedAt; i++) {
  await sleep(100)
  job = s.sent.filter(([ch, ev]) => ch === 'graft:event' && ev.job.id === started.result?.id).at(-1)?.[1].job ?? null
}
report.job = job
for (const fn of s.appListeners['before-quit'] ?? []) fn({ preventDefault() {} })
for (let i = 0; i < 50 && !s.quit; i++) await sleep(50)
report.quit = s.quit
process.stdout.write('REPORT ' + JSON.stringify(report) + '\n')
process.exit(0)
