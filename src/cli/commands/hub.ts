import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { toErrorInfo } from '../../core/errors'
import { resolveHubConfig, type HubConfig } from '../../core/hub/hub-config'
import { searchModels, type ModelSort } from '../../core/hub/search-models'
import { modelDetails } from '../../core/hub/model-details'
import { downloadSnapshot, MAX_CONCURRENCY, type DownloadProgress } from '../../core/hub/download-snapshot'
import { uploadModel, type UploadProgress } from '../../core/hub/upload-model'
import { whoAmI } from '../../core/hub/whoami'
import { formatBytes, formatCount } from '../format'

export const HUB_HELP = `Usage:
  graft hub search [TEXT] [--author A] [--filter TAG ...] [--library L] [--sort downloads|likes|lastModified]
                   [--limit N] [--cursor C] [--json]      Search models on the Hub
  graft hub info <repo> [--revision R] [--json]           Files, sizes, parameters, gating, an adapter's base
  graft hub download <repo> [--revision R] [--include GLOB ...] [--allow-pickles] [--concurrency N] [--json]
                                                          Download into the Hugging Face cache; prints the snapshot path
  graft hub upload <dir> <repo> [--create] [--private] [--message M] [--json]
                                                          Publish a model folder
  graft hub whoami [--json]                               Who the token belongs to

Every subcommand takes --offline (or HF_HUB_OFFLINE=1: no network at all), --cache-dir DIR and --endpoint URL
(or HF_ENDPOINT). The token comes from HF_TOKEN or the file \`hf auth login\` writes.
Exit codes: 0 success, 1 the operation failed, 2 bad usage.`

export interface HubCommandIo {
  stdout: { write(s: string): unknown; isTTY?: boolean }
  stderr: { write(s: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
  /** Cancels the command (the CLI wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal
}

class UsageError extends Error {}

function fail(msg: string): never {
  throw new UsageError(msg)
}

const COMMON = {
  json: { type: 'boolean', default: false },
  offline: { type: 'boolean', default: false },
  'cache-dir': { type: 'string' },
  endpoint: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const

function positiveInt(s: string | undefined, flag: string, max: number): number | undefined {
  if (s === undefined) return undefined
  const n = Number(s)
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`${flag} must be an integer from 1 to ${max} (got "${s}")`)
  return n
}

function eta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return ''
  return sec < 60 ? ` ETA ${Math.ceil(sec)}s` : ` ETA ${Math.floor(sec / 60)}m${String(Math.ceil(sec % 60)).padStart(2, '0')}s`
}

function bar(done: number, total: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0
  const filled = Math.round(frac * width)
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${(frac * 100).toFixed(0).padStart(3)}%`
}

/** Progress on stderr: one rewritten line on a terminal, a line every 2 s otherwise; JSON lines on stdout with --json. */
function progressPrinter(io: HubCommandIo, json: boolean) {
  const tty = !json && !!io.stderr.isTTY
  let last = 0
  let drawn = false
  return {
    show(p: DownloadProgress | UploadProgress) {
      if (json) {
        const { files, ...rest } = p
        io.stdout.write(JSON.stringify({ type: 'progress', ...rest, files: files.filter((f) => f.state !== 'queued' && f.state !== 'cached' && f.state !== 'done') }) + '\n')
        return
      }
      if (p.bytesTotal === 0 && p.stage !== 'done') return
      const line = `${bar(p.bytesDone, p.bytesTotal)}  ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}  ${formatBytes(p.bytesPerSec)}/s  ${p.tensorsDone}/${p.tensorsTotal} files${eta(p.etaSec)}${p.current ? `  ${p.current}` : ''}`
      if (tty) {
        io.stderr.write(`\r${line}\x1b[K`)
        drawn = true
      } else if (Date.now() - last > 2000 || p.stage === 'done') {
        last = Date.now()
        io.stderr.write(line + '\n')
      }
    },
    end() {
      if (drawn) io.stderr.write('\n')
    },
  }
}

async function config(io: HubCommandIo, v: { offline?: boolean; 'cache-dir'?: string; endpoint?: string }): Promise<HubConfig> {
  return resolveHubConfig({ env: io.env, offline: v.offline, cacheDir: v['cache-dir'] ? resolve(v['cache-dir']) : undefined, endpoint: v.endpoint })
}

async function run(args: string[], io: HubCommandIo): Promise<number> {
  const [sub, ...rest] = args
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(HUB_HELP + '\n')
    return sub ? 0 : 2
  }
  const out = (s: string) => io.stdout.write(s)
  switch (sub) {
    case 'search': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...COMMON, author: { type: 'string' }, filter: { type: 'string', multiple: true }, library: { type: 'string' }, sort: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
      })
      if (values.help) return (out(HUB_HELP + '\n'), 0)
      const sort = values.sort as ModelSort | undefined
      if (sort !== undefined && !['downloads', 'likes', 'lastModified', 'createdAt', 'trendingScore'].includes(sort)) fail(`--sort must be downloads, likes or lastModified (got "${sort}")`)
      const res = await searchModels({
        config: await config(io, values),
        text: positionals.join(' ') || undefined,
        author: values.author,
        tags: values.filter,
        library: values.library,
        sort,
        limit: positiveInt(values.limit, '--limit', 100),
        cursor: values.cursor,
        signal: io.signal,
      })
      if (values.json) {
        out(JSON.stringify(res, null, 2) + '\n')
        return 0
      }
      if (res.models.length === 0) out('No models found.\n')
      const w = Math.min(60, Math.max(10, ...res.models.map((m) => m.id.length)))
      for (const m of res.models) {
        const flags = [m.private ? 'private' : '', m.gated ? 'gated' : '', m.libraryName ?? ''].filter(Boolean).join(', ')
        out(`${m.id.padEnd(w)}  ${formatCount(m.downloads).padStart(8)} ↓  ${formatCount(m.likes).padStart(6)} ♥  ${(m.lastModified ?? '').slice(0, 10)}${flags ? `  (${flags})` : ''}\n`)
      }
      if (res.nextCursor) out(`More: graft hub search ... --cursor '${res.nextCursor}'\n`)
      return 0
    }
    case 'info': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...COMMON, revision: { type: 'string' } } })
      if (values.help) return (out(HUB_HELP + '\n'), 0)
      if (positionals.length !== 1) fail('hub info takes one repo id')
      const d = await modelDetails({ config: await config(io, values), repo: positionals[0], revision: values.revision, signal: io.signal })
      if (values.json) {
        out(JSON.stringify(d, null, 2) + '\n')
        return 0
      }
      out(`${d.id}@${d.revision} (${d.sha})\n`)
      const state = [d.private ? 'private' : 'public', d.gated ? `gated (${d.gated})` : ''].filter(Boolean).join(', ')
      out(`  ${state}; ${formatCount(d.downloads)} downloads, ${formatCount(d.likes)} likes${d.libraryName ? `; library ${d.libraryName}` : ''}${d.license ? `; license ${d.license}` : ''}\n`)
      if (d.parameters) out(`  parameters: ${formatCount(d.parameters.total)} (${Object.entries(d.parameters.byDtype).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')})\n`)
      if (d.isAdapter || d.baseModel) out(`  ${d.isAdapter ? 'adapter; ' : ''}base model: ${d.baseModel ?? 'unknown'}${d.baseModelSource ? ` (from ${d.baseModelSource.replace('_', ' ')})` : ''}\n`)
      out(`  ${d.files.length} files, ${formatBytes(d.totalBytes)}${d.safetensorsBytes ? ` (safetensors ${formatBytes(d.safetensorsBytes)})` : ''}${d.hasPickles ? '; has pickle files (not downloaded by default)' : ''}\n`)
      for (const f of d.files) out(`    ${formatBytes(f.size).padStart(9)}  ${JSON.stringify(f.path).slice(1, -1)}${f.lfs ? '  [lfs]' : ''}${f.pickle ? '  [pickle]' : ''}${f.unsafe ? `  [refused: ${f.unsafe}]` : ''}\n`)
      return 0
    }
    case 'download': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...COMMON, revision: { type: 'string' }, include: { type: 'string', multiple: true }, 'allow-pickles': { type: 'boolean', default: false }, concurrency: { type: 'string' } },
      })
      if (values.help) return (out(HUB_HELP + '\n'), 0)
      if (positionals.length !== 1) fail('hub download takes one repo id')
      const json = !!values.json
      const printer = progressPrinter(io, json)
      try {
        const res = await downloadSnapshot({
          config: await config(io, values),
          repo: positionals[0],
          revision: values.revision,
          include: values.include,
          allowPickles: values['allow-pickles'],
          concurrency: positiveInt(values.concurrency, '--concurrency', MAX_CONCURRENCY),
          signal: io.signal,
          onProgress: (p) => printer.show(p),
        })
        printer.end()
        if (json) {
          out(JSON.stringify({ type: 'done', repo: res.repo, revision: res.revision, sha: res.sha, snapshotDir: res.snapshotDir, files: res.files.map((f) => ({ path: f.path, size: f.size, state: f.state })), skipped: res.skipped, bytesDownloaded: res.bytesDownloaded, fromCache: res.fromCache, seconds: res.seconds }) + '\n')
        } else {
          for (const s of res.skipped) io.stderr.write(`skipped ${s.path}: ${s.reason}\n`)
          const cached = res.files.filter((f) => f.state === 'cached').length
          io.stderr.write(`${res.repo}@${res.sha}: ${res.files.length} files (${cached} already cached), ${formatBytes(res.bytesDownloaded)} downloaded in ${res.seconds.toFixed(1)} s${res.fromCache ? ' (offline: from the cache)' : ''}\n`)
          out(res.snapshotDir + '\n')
        }
        return 0
      } finally {
        printer.end()
      }
    }
    case 'upload': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...COMMON, create: { type: 'boolean', default: false }, private: { type: 'boolean', default: false }, message: { type: 'string' } },
      })
      if (values.help) return (out(HUB_HELP + '\n'), 0)
      if (positionals.length !== 2) fail('hub upload takes a folder and a repo id: graft hub upload <dir> <owner/name>')
      const json = !!values.json
      const printer = progressPrinter(io, json)
      try {
        const res = await uploadModel({
          config: await config(io, values),
          dir: resolve(positionals[0]),
          repo: positionals[1],
          create: values.create,
          private: values.private,
          commitTitle: values.message,
          signal: io.signal,
          onProgress: (p) => printer.show(p),
        })
        printer.end()
        if (json) out(JSON.stringify({ type: 'done', ...res }) + '\n')
        else out(`${res.created ? 'Created and uploaded to' : 'Uploaded to'} ${res.repo}: ${res.files.length} files, ${formatBytes(res.bytes)}${res.cardGenerated ? ' (model card written by Graft)' : ''}\n${res.commitUrl}\n`)
        return 0
      } finally {
        printer.end()
      }
    }
    case 'whoami': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...COMMON } })
      if (values.help) return (out(HUB_HELP + '\n'), 0)
      if (positionals.length) fail('hub whoami takes no arguments')
      const me = await whoAmI({ config: await config(io, values), signal: io.signal })
      if (values.json) out(JSON.stringify(me, null, 2) + '\n')
      else out(`${me.name}${me.fullname ? ` (${me.fullname})` : ''}${me.orgs.length ? `; orgs: ${me.orgs.join(', ')}` : ''}${me.tokenRole ? `; token role ${me.tokenRole}` : ''}${me.tokenSource ? `; token from ${me.tokenSource === 'env' ? 'HF_TOKEN' : me.tokenSource === 'file' ? 'the token file' : 'Graft'}` : ''}\n`)
      return 0
    }
    default:
      fail(`unknown hub command "${sub}"`)
  }
}

/** `graft hub …`: search, info, download, upload, whoami. Returns the exit code (0 ok, 1 failed, 2 usage). */
export async function hubCommand(args: string[], io?: Partial<HubCommandIo>): Promise<number> {
  const ownAbort = io?.signal ? null : new AbortController()
  const full: HubCommandIo = { stdout: io?.stdout ?? process.stdout, stderr: io?.stderr ?? process.stderr, env: io?.env ?? process.env, signal: io?.signal ?? ownAbort?.signal }
  const onSig = () => ownAbort?.abort()
  if (ownAbort) {
    process.once('SIGINT', onSig)
    process.once('SIGTERM', onSig)
  }
  try {
    return await run(args, full)
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
      full.stderr.write(`graft hub: ${(e as Error).message}\nRun graft hub --help for usage.\n`)
      return 2
    }
    const info = toErrorInfo(e)
    if (args.includes('--json')) full.stdout.write(JSON.stringify({ type: 'error', error: info }) + '\n')
    full.stderr.write(`graft: ${info.code}: ${info.message}\n${info.hint ? `  → ${info.hint}\n` : ''}`)
    return 1
  } finally {
    if (ownAbort) {
      process.off('SIGINT', onSig)
      process.off('SIGTERM', onSig)
    }
  }
}
