import { spawn } from 'node:child_process'

/**
 * Opens a URL in the user's browser when one is plausibly available (xdg-open on a Linux desktop,
 * open on macOS, start on Windows), found on `env`'s PATH. Failures are ignored: the URL is
 * printed anyway. Returns whether an attempt was made. The URL lands in process arguments, which
 * any local user can read (ps): web mode passes a one-time launch code here, never its token.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  let cmd: string
  let args: string[]
  if (platform === 'darwin') [cmd, args] = ['open', [url]]
  else if (platform === 'win32') [cmd, args] = ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
  else {
    // Without a display xdg-open may fall back to a text browser that takes over the terminal.
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false
    ;[cmd, args] = ['xdg-open', [url]]
  }
  try {
    const child = spawn(cmd, args, { env, detached: true, stdio: 'ignore', windowsHide: true })
    child.on('error', () => {})
    child.unref()
    return true
  } catch {
    return false
  }
}
