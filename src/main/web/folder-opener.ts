import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { GraftError } from '../../core/errors'

/** How long a launched opener may take to fail before Graft takes its silence as success. */
const EXIT_GRACE_MS = 2000

/** Opens folders in the system file manager, or says why it cannot. */
export type FolderOpener = { open: (path: string) => Promise<void>; note?: undefined } | { open?: undefined; note: string }

/**
 * Web mode's folder opener: the platform's own (xdg-open on Linux and the BSDs, open on macOS,
 * explorer on Windows), or the program named by GRAFT_FOLDER_OPENER (a setting for other file
 * managers, and the hook the end-to-end tests use to record what would be opened). The program
 * gets the folder as its only argument, spawned detached with no shell. On Linux it needs a
 * display (DISPLAY or WAYLAND_DISPLAY) and xdg-open on PATH; otherwise `note` says what is missing.
 * The caller checks that the path is an existing folder first (app.openFolder does).
 */
export function createFolderOpener(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): FolderOpener {
  const custom = env.GRAFT_FOLDER_OPENER?.trim()
  if (custom) {
    if (!findProgram(custom, env, platform)) return { note: `GRAFT_FOLDER_OPENER names ${custom}, which is not an executable program.` }
    return { open: (path) => launch(custom, [path], { checkExit: true }) }
  }
  if (platform === 'darwin') return { open: (path) => launch('open', [path], { checkExit: true }) }
  // explorer.exe exits with 1 even when it opened the folder: only a failure to start counts.
  if (platform === 'win32') return { open: (path) => launch('explorer.exe', [path], { checkExit: false }) }
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { note: 'Graft runs without a display here (no DISPLAY or WAYLAND_DISPLAY), so it cannot show a file manager.' }
  if (!findProgram('xdg-open', env, platform)) return { note: 'xdg-open is not installed (package xdg-utils), so Graft cannot open a file manager.' }
  return { open: (path) => launch('xdg-open', [path], { checkExit: true }) }
}

/** Whether `program` (a path, or a name looked up on PATH) is an executable file. */
function findProgram(program: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  const executable = (file: string) => {
    try {
      if (!statSync(file).isFile()) return false
      if (platform !== 'win32') accessSync(file, constants.X_OK)
      return true
    } catch {
      return false
    }
  }
  if (isAbsolute(program) || program.includes('/') || (platform === 'win32' && program.includes('\\'))) return executable(program)
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : ['']
  const dirs = (env.PATH ?? '').split(platform === 'win32' ? ';' : delimiter).filter(Boolean)
  return dirs.some((dir) => exts.some((ext) => executable(join(dir, program + ext))))
}

/**
 * Starts `cmd args` detached (no shell, no inherited stdio). Resolves once it exits with 0 (or,
 * with checkExit off, once it started), or after EXIT_GRACE_MS if it is still running (some
 * openers stay until the file manager closes); rejects with UNAVAILABLE if it cannot start or
 * exits with an error within that time.
 */
function launch(cmd: string, args: string[], opts: { checkExit: boolean }): Promise<void> {
  const folder = args[args.length - 1]
  const cannotStart = (why: string) =>
    new GraftError('UNAVAILABLE', `Could not start ${cmd} to open ${folder}: ${why}.`, { file: folder, hint: 'Open the folder in your file manager yourself, or set GRAFT_FOLDER_OPENER to a program that opens folders.' })
  return new Promise((resolve, reject) => {
    let child: ChildProcess
    try {
      child = spawn(cmd, args, { detached: true, stdio: 'ignore', windowsHide: true, shell: false })
    } catch (e) {
      reject(cannotStart((e as Error).message))
      return
    }
    let settled = false
    const finish = (err?: GraftError) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.unref()
      if (err) reject(err)
      else resolve()
    }
    const timer = setTimeout(() => finish(), EXIT_GRACE_MS)
    child.once('error', (e: NodeJS.ErrnoException) => finish(cannotStart(e.code === 'ENOENT' ? 'it is not installed' : e.message)))
    child.once('spawn', () => {
      if (!opts.checkExit) finish()
    })
    child.once('exit', (code, signal) => {
      if (code === 0 || !opts.checkExit) finish()
      else finish(new GraftError('UNAVAILABLE', `${cmd} could not open ${folder} (${signal ? `killed by ${signal}` : `exit code ${code}`}).`, { file: folder, hint: 'Open the folder in your file manager yourself; check that a file manager is installed and set as the default for folders.' }))
    })
  })
}
