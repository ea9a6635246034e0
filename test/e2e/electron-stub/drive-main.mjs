// Shared by the stub-Electron scripts (run-main.mjs, ../compare-main-stub.mjs): loads the built
// Electron main (out/main/index.js) against the stub and drives it the way the renderer would.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Loads the built main and waits for its window; `call` invokes an IPC handler as the trusted page. */
export async function startMain() {
  await import(pathToFileURL(join(process.cwd(), 'out', 'main', 'index.js')).href)
  const s = globalThis.__electronStub
  for (let i = 0; i < 50 && s.windows.length === 0; i++) await sleep(50)
  const win = s.windows[0]
  const trusted = { sender: win.webContents, senderFrame: { url: pathToFileURL(s.loaded).href, parent: null } }
  const call = (method, params, ev = trusted) => s.handlers.get(`graft:${method}`)(ev, params)
  return { s, win, trusted, call }
}

/** The last job event main broadcast for the job `id`, once it has ended (or null after `tries` × 100 ms). */
export async function waitForJob(s, id, tries) {
  let job = null
  for (let i = 0; i < tries && !job?.endedAt; i++) {
    await sleep(100)
    job = s.sent.filter(([ch, ev]) => ch === 'graft:event' && ev.job.id === id).at(-1)?.[1].job ?? null
  }
  return job
}

/** Asks main to quit (before-quit listeners), records whether it did, prints the report and exits. */
export async function quitAndReport(s, report, tries) {
  for (const fn of s.appListeners['before-quit'] ?? []) fn({ preventDefault() {} })
  for (let i = 0; i < tries && !s.quit; i++) await sleep(50)
  report.quit = s.quit
  process.stdout.write('REPORT ' + JSON.stringify(report) + '\n')
  process.exit(0)
}
