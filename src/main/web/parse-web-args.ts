/** Options of web mode's command line (`npm start -- --port 5173 --no-open`). */
const USAGE = 'usage: run-web [--port N] [--no-open]'

export function parseWebArgs(argv: string[]): { port: number; open: boolean } {
  let port = 0
  let open = true
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--no-open') open = false
    else if (a === '--open') open = true
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a === '--port' ? argv[++i] : a.slice('--port='.length)
      const n = Number(v)
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port needs a number from 0 to 65535, not ${JSON.stringify(v)}.\n${USAGE}`)
      port = n
    } else throw new Error(`Unknown option ${a}.\n${USAGE}`)
  }
  return { port, open }
}
