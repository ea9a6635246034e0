// Runs the built Electron main (out/main/index.js) against the electron stub (electron-stub/) and
// drives the compare API through its IPC handlers: the bundled compare-worker chunk must load
// tokenizers, tokenize, and run a compare-corpus job. Prints one JSON report line.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [base, qwen3, corpus] = process.argv.slice(2)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
await import(pathToFileURL(join(process.cwd(), 'out', 'main', 'index.js')).href)
const s = globalThis.__electronStub
for (let i = 0; i < 50 && s.windows.length === 0; i++) await sleep(50)
const win = s.windows[0]
const trusted = { sender: win.webContents, senderFrame: { url: pathToFileURL(s.loaded).href, parent: null } }
const call = (method, params) => s.handlers.get(`graft:${method}`)(trusted, params)
const report = {}
report.text = await call('compare.text', { tokenizers: [base, qwen3], text: 'Hello 世界 😀' })
report.chat = await call('compare.chat', { tokenizers: [base, qwen3], messages: [{ role: 'user', content: 'Hi' }] })
report.bad = await call('compare.text', { tokenizers: [base], text: 'x' })
const started = await call('jobs.start', { kind: 'compare-corpus', params: { tokenizers: [base, qwen3], corpus, labels: ['demo/base', 'qwen3'] } })
let job = null
for (let i = 0; i < 600 && !job?.endedAt; i++) {
  await sleep(100)
  job = s.sent.filter(([ch, ev]) => ch === 'graft:event' && ev.job.id === started.result?.id).at(-1)?.[1].job ?? null
}
report.job = job
for (const fn of s.appListeners['before-quit'] ?? []) fn({ preventDefault() {} })
for (let i = 0; i < 100 && !s.quit; i++) await sleep(50)
report.quit = s.quit
process.stdout.write('REPORT ' + JSON.stringify(report) + '\n')
process.exit(0)
