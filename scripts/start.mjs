#!/usr/bin/env node
// `npm start [-- --port N] [--no-open] [--web]`: builds out/ when it is missing or older than the
// sources, then launches Electron on out/main/index.js when its binary is installed; otherwise
// (or with --web) runs web mode: the same UI served on 127.0.0.1, opened in a browser.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const forceWeb = args.includes('--web')
const webArgs = args.filter((a) => a !== '--web')

/** Outputs the app needs, and the inputs they are built from. */
const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']
const INPUTS = ['src', 'electron.vite.config.ts', 'package.json', 'tsconfig.json']

function newestMtime(p) {
  const s = statSync(p, { throwIfNoEntry: false })
  if (!s) return 0
  if (!s.isDirectory()) return s.mtimeMs
  let m = s.mtimeMs
  for (const e of readdirSync(p)) m = Math.max(m, newestMtime(join(p, e)))
  return m
}

function buildIsStale() {
  const outs = OUTPUTS.map((o) => statSync(join(root, o), { throwIfNoEntry: false }))
  if (outs.some((s) => !s)) return true
  const oldestOut = Math.min(...outs.map((s) => s.mtimeMs))
  return INPUTS.some((i) => newestMtime(join(root, i)) > oldestOut)
}

/** The Electron executable, when one is installed (or pointed to by ELECTRON_OVERRIDE_DIST_PATH). */
function electronBinary() {
  const dir = join(root, 'node_modules', 'electron')
  const pathTxt = join(dir, 'path.txt')
  const rel = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : null
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || (process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : process.platform === 'win32' ? 'electron.exe' : 'electron'))
    return existsSync(p) ? p : null
  }
  if (!rel) return null
  const p = join(dir, 'dist', rel)
  return existsSync(p) ? p : null
}

function run(cmd, argv, env = process.env) {
  const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit', env })
  // The terminal sends Ctrl+C to the whole group; the child shuts down and we follow it.
  const forward = (sig) => child.kill(sig)
  process.on('SIGINT', () => {})
  process.on('SIGTERM', forward)
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
  child.on('error', (e) => {
    console.error(`start: could not run ${cmd}: ${e.message}`)
    process.exit(1)
  })
}

if (buildIsStale()) {
  console.log('Building Graft (out/ is missing or older than the sources)…')
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const electron = forceWeb ? null : electronBinary()
if (electron) {
  // --port and --no-open belong to web mode; anything else goes to Electron.
  const extra = webArgs.filter((a, i) => a !== '--no-open' && !a.startsWith('--port') && webArgs[i - 1] !== '--port')
  run(electron, ['.', ...extra])
} else {
  if (!forceWeb) console.log("Electron's binary is not installed (node_modules/electron/dist is missing), so Graft runs in web mode.")
  run(process.execPath, ['--import', 'tsx', join(root, 'src', 'main', 'web', 'run-web.ts'), ...webArgs])
}
