// Runs the built Electron main (out/main/index.js) against the electron stub (electron-stub/) and
// drives the compare API through its IPC handlers: the bundled compare-worker chunk must load
// tokenizers, tokenize, and run a compare-corpus job. Prints one JSON report line.
import { quitAndReport, startMain, waitForJob } from './electron-stub/drive-main.mjs'

const [base, qwen3, corpus] = process.argv.slice(2)
const { s, call } = await startMain()
const report = {}
report.text = await call('compare.text', { tokenizers: [base, qwen3], text: 'Hello 世界 😀' })
report.chat = await call('compare.chat', { tokenizers: [base, qwen3], messages: [{ role: 'user', content: 'Hi' }] })
report.bad = await call('compare.text', { tokenizers: [base], text: 'x' })
const started = await call('jobs.start', { kind: 'compare-corpus', params: { tokenizers: [base, qwen3], corpus, labels: ['demo/base', 'qwen3'] } })
report.job = await waitForJob(s, started.result?.id, 600)
await quitAndReport(s, report, 100)
