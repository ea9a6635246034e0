/**
 * Web mode's composition root. As a script: `node --import tsx src/main/web/run-web.ts
 * [--port N] [--no-open]` (what `npm start` runs without an Electron binary); `graft serve` calls
 * runWeb() directly. It starts the worker pool, the job manager and the web server on 127.0.0.1,
 * prints the URL (with its token) and opens a browser when one is available. SIGINT or SIGTERM
 * stops it cleanly: running jobs are cancelled (their temporary output is removed), then the
 * server and pool close and runWeb() resolves.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { GraftError, toErrorInfo } from '../../core/errors'
import { JobManager } from '../jobs/job-manager'
import { createPoolRunner } from '../jobs/pool-runner'
import { parseWebArgs } from './parse-web-args'
import { startWebServer, type WebServer } from './serve'
import { createSettingsStore } from '../settings/settings-store'
import { webConfigDir } from '../settings/web-config-dir'
import { createSessionHubService } from '../hub/hub-service'
import { createCompareService } from '../compare/compare-service'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface RunWebOptions {
  port?: number
  open?: boolean
  /** Defaults to <repo>/out/renderer. */
  rendererDir?: string
  /** Defaults to <repo>/resources/demo. */
  demoDir?: string
  /** Where the URL line goes (default: stdout). */
  log?: (line: string) => void
}

/** Runs web mode until SIGINT/SIGTERM; resolves after a clean shutdown. */
export async function runWeb(opts: RunWebOptions = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const rendererDir = opts.rendererDir ?? join(REPO_ROOT, 'out', 'renderer')
  if (!existsSync(join(rendererDir, 'index.html')))
    throw new GraftError('NOT_FOUND', `The UI is not built: ${join(rendererDir, 'index.html')} is missing.`, { file: rendererDir, hint: 'Run `npm run build` first, or start Graft with `npm start` (it builds when needed).' })
  // One settings store and one Hub service for the API and the job manager: a token entered in the
  // page (kept in memory for this session only) and the offline switch reach Hub jobs too.
  // HF_ENDPOINT, HF_HUB_OFFLINE and HF_HUB_CACHE come from the environment.
  const settings = await createSettingsStore({ dir: webConfigDir(process.env) })
  const hub = createSessionHubService({ settings, env: process.env })
  const runner = createPoolRunner()
  const compare = createCompareService()
  const jobs = new JobManager(runner, { hub, compare })
  let server: WebServer
  try {
    server = await startWebServer({ port: opts.port ?? 0, rendererDir, open: opts.open ?? true, jobs, demoDir: opts.demoDir ?? join(REPO_ROOT, 'resources', 'demo'), settings, hub, compare })
  } catch (e) {
    await runner.close()
    await compare.close()
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new GraftError('BAD_REQUEST', `Port ${opts.port} is already in use.`, { hint: 'Choose another with --port, or leave --port out to get a free one.' })
    throw e
  }
  log(`Graft is running at ${server.url}`)
  log('Press Ctrl+C to stop.')

  await new Promise<void>((resolveStopped) => {
    let stopping = false
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130) // a second Ctrl+C does not wait
      stopping = true
      log(`${signal}: stopping Graft…`)
      const running = jobs.list().filter((j) => j.state === 'running' || j.state === 'queued')
      for (const j of running) jobs.cancel(j.id)
      await Promise.all(running.map((j) => jobs.wait(j.id).catch(() => {})))
      await server.close()
      await runner.close()
      await compare.close()
      await settings.idle()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolveStopped()
    }
    const onSignal = (signal: NodeJS.Signals) => void stop(signal)
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

// Run as a script (not when imported by the CLI).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let args: { port: number; open: boolean }
  try {
    args = parseWebArgs(process.argv.slice(2))
  } catch (e) {
    console.error((e as Error).message)
    process.exit(2)
  }
  runWeb(args).then(
    () => process.exit(0),
    (e: unknown) => {
      const info = toErrorInfo(e)
      console.error(`graft: ${info.message}${info.hint ? `\n  → ${info.hint}` : ''}`)
      process.exit(1)
    },
  )
}
