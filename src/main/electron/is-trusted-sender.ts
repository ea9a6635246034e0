/** The parts of Electron's WebFrameMain the check needs (kept structural so it tests without Electron). */
export interface SenderFrame {
  url: string
  parent: unknown
}

/**
 * True when an IPC message comes from the top frame of Graft's own renderer page: the same file
 * URL (or dev-server origin) Graft loaded, ignoring query and hash. Subframes and anything that
 * navigated elsewhere are refused.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined, rendererUrl: string): boolean {
  if (!frame || frame.parent !== null) return false
  let got: URL
  let want: URL
  try {
    got = new URL(frame.url)
    want = new URL(rendererUrl)
  } catch {
    return false
  }
  if (want.protocol === 'file:') return got.protocol === 'file:' && got.pathname === want.pathname && got.host === want.host
  return got.origin === want.origin
}
