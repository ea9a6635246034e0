import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/**
 * The execArgv of a pool worker: a `.ts` entry (running from source) needs tsx's loader. The
 * loader is named by an absolute file URL resolved from Graft's own location, because Node
 * resolves a bare `--import tsx` from the current directory, which breaks `graft` run from
 * anywhere outside the checkout. A bundled `.js` entry needs nothing.
 */
export function workerExecArgv(workerFile: string): string[] {
  if (!workerFile.endsWith('.ts')) return []
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
}
