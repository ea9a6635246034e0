import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** Builds out/ once before the end-to-end tests (web mode serves out/renderer). */
export default function globalSetup(): void {
  const root = join(import.meta.dirname, '..', '..')
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`)
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(chromium)) throw new Error(`${chromium} is missing: install Debian's Chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`)
}
