import { parseArgs } from 'node:util'
import { GRAFT_VERSION } from '../shared/version'
import type { Plan } from '../shared/plan'
import type { JobProgress } from '../shared/progress'
import { toErrorInfo } from '../core/errors'
import { planMerge } from '../core/lora/plan-merge'
import { planConvert } from '../core/plan/plan-convert'
import { executePlan } from '../core/exec/execute-plan'
import { readModelInfo } from '../core/model/read-model-info'
import { createPoolRunner } from '../main/jobs/pool-runner'
import { formatBytes, formatCount, formatPlan, parseSize, progressLine } from './format'

const HELP = `graft ${GRAFT_VERSION} — surgery on Hugging Face checkpoints

Usage:
  graft inspect <dir> [--json]                 Summarise a model folder (config + safetensors headers only)
  graft merge --base DIR --adapter DIR[:WEIGHT] [--adapter ...] --out DIR
              [--dtype keep|bf16|f16|f32] [--max-shard-size 5GB] [--threads N]
              [--dry-run] [--json] [--overwrite]
                                               Merge LoRA adapters into a base model, streamed
  graft convert --in DIR --out DIR [--dtype ...] [--max-shard-size ...] [--dry-run] [--json]
                                               Copy a model, casting float tensors or resharding
  graft serve [--port N] [--no-open]           Run the workbench UI in a browser (web mode)
  graft --help | --version

Exit codes: 0 success, 1 the operation failed, 2 bad usage.
Graft never uses the network for these commands; inputs are opened read-only and outputs appear
only when complete.`

class UsageError extends Error {}

function fail(msg: string): never {
  throw new UsageError(msg)
}

function parseDtype(s: string | undefined): 'keep' | 'BF16' | 'F16' | 'F32' | undefined {
  if (s === undefined) return undefined
  const m: Record<string, 'keep' | 'BF16' | 'F16' | 'F32'> = { keep: 'keep', bf16: 'BF16', bfloat16: 'BF16', f16: 'F16', fp16: 'F16', float16: 'F16', f32: 'F32', fp32: 'F32', float32: 'F32' }
  const d = m[s.toLowerCase()]
  if (!d) fail(`--dtype must be one of keep, bf16, f16, f32 (got "${s}")`)
  return d
}

function parseAdapterArg(s: string): { dir: string; weight?: number } {
  const i = s.lastIndexOf(':')
  if (i > 0) {
    const w = Number(s.slice(i + 1))
    if (s.slice(i + 1).trim() !== '' && Number.isFinite(w)) return { dir: s.slice(0, i), weight: w }
  }
  return { dir: s }
}

async function runPlan(plan: Plan, opts: { json: boolean; dryRun: boolean; overwrite: boolean; threads?: number }): Promise<void> {
  if (opts.dryRun) {
    process.stdout.write(opts.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan) + '\n')
    return
  }
  if (opts.json) process.stdout.write(JSON.stringify({ type: 'plan', title: plan.title, decisions: plan.decisions, warnings: plan.warnings, estimates: plan.estimates }) + '\n')
  else process.stderr.write(formatPlan(plan) + '\n\n')
  const runner = createPoolRunner({ threads: opts.threads })
  const abort = new AbortController()
  const onSig = () => abort.abort()
  process.once('SIGINT', onSig)
  process.once('SIGTERM', onSig)
  const tty = !opts.json && process.stderr.isTTY
  let lastLine = 0
  const onProgress = (p: JobProgress) => {
    if (opts.json) process.stdout.write(JSON.stringify({ type: 'progress', ...p }) + '\n')
    else if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K`)
    else if (Date.now() - lastLine > 2000 || p.phase === 'done') {
      lastLine = Date.now()
      process.stderr.write(progressLine(p) + '\n')
    }
  }
  try {
    const res = await executePlan({ plan, runner, signal: abort.signal, onProgress, overwrite: opts.overwrite })
    if (tty) process.stderr.write('\n')
    if (opts.json) process.stdout.write(JSON.stringify({ type: 'done', outDir: res.outDir, bytesWritten: res.bytesWritten, seconds: res.seconds }) + '\n')
    else process.stdout.write(`Wrote ${res.outDir} (${formatBytes(res.bytesWritten)} in ${res.seconds.toFixed(2)} s)\n`)
  } finally {
    process.off('SIGINT', onSig)
    process.off('SIGTERM', onSig)
    await runner.close()
  }
}

async function inspect(dir: string, json: boolean): Promise<void> {
  const info = await readModelInfo(dir)
  const summary = {
    path: info.dir,
    architecture: info.architectures[0] ?? null,
    modelType: info.modelType,
    dtype: info.dtype,
    paramCount: info.paramCount,
    tensorCount: info.checkpoint.tensors.size,
    shardCount: info.checkpoint.files.length,
    sizeBytes: info.checkpoint.totalBytes,
    vocabSize: info.vocabSize,
    vocabSizeField: info.vocabConfigPath.join('.'),
    embedName: info.embedName,
    embedRows: info.embedName ? info.checkpoint.tensors.get(info.embedName)!.shape[0] : null,
    headName: info.headName,
    headRows: info.headName ? info.checkpoint.tensors.get(info.headName)!.shape[0] : null,
    tieWordEmbeddings: info.tied,
    tieFlagInConfig: info.tieFlag,
    quantized: info.quantized,
  }
  if (json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
    return
  }
  const rows: [string, string][] = [
    ['path', summary.path],
    ['architecture', `${summary.architecture ?? '?'} (${summary.modelType ?? '?'})`],
    ['parameters', `${formatCount(summary.paramCount)} in ${summary.tensorCount} tensors, ${summary.shardCount} shard(s), ${formatBytes(summary.sizeBytes)}`],
    ['dtype', summary.dtype],
    ['vocab_size', `${summary.vocabSize ?? '?'} (${summary.vocabSizeField})`],
    ['embedding', summary.embedName ? `${summary.embedName} — ${summary.embedRows} rows` : 'not found'],
    ['head', summary.headName ? `${summary.headName} — ${summary.headRows} rows` : summary.tieWordEmbeddings ? 'tied to the embedding (no tensor)' : 'none'],
    ['tied', `${summary.tieWordEmbeddings}${summary.tieFlagInConfig === null ? ' (no flag in config; decided from the tensors)' : ''}`],
  ]
  if (summary.quantized) rows.push(['quantized', 'yes (quantization_config present)'])
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(13)} ${v}\n`)
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP + '\n')
    return cmd ? 0 : 2
  }
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(`graft ${GRAFT_VERSION}\n`)
    return 0
  }
  try {
    switch (cmd) {
      case 'inspect': {
        const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, allowPositionals: true })
        if (positionals.length !== 1) fail('inspect takes one folder: graft inspect <dir> [--json]')
        await inspect(positionals[0], values.json!)
        return 0
      }
      case 'merge': {
        const { values } = parseArgs({
          args: rest,
          options: {
            base: { type: 'string' },
            adapter: { type: 'string', multiple: true },
            out: { type: 'string' },
            dtype: { type: 'string' },
            'max-shard-size': { type: 'string' },
            threads: { type: 'string' },
            'dry-run': { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            overwrite: { type: 'boolean', default: false },
          },
        })
        if (!values.base) fail('merge needs --base DIR')
        if (!values.adapter?.length) fail('merge needs at least one --adapter DIR[:WEIGHT]')
        if (!values.out) fail('merge needs --out DIR')
        const maxShard = values['max-shard-size'] ? parseSize(values['max-shard-size']) : undefined
        if (maxShard === null) fail(`--max-shard-size must look like 5GB or 500MB (got "${values['max-shard-size']}")`)
        const threads = values.threads ? Number(values.threads) : undefined
        if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) fail('--threads must be a positive integer')
        const plan = await planMerge({ base: values.base, adapters: values.adapter.map(parseAdapterArg), out: values.out, dtype: parseDtype(values.dtype), maxShardBytes: maxShard })
        await runPlan(plan, { json: values.json!, dryRun: values['dry-run']!, overwrite: values.overwrite!, threads })
        return 0
      }
      case 'convert': {
        const { values } = parseArgs({
          args: rest,
          options: { in: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, 'max-shard-size': { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, overwrite: { type: 'boolean', default: false } },
        })
        if (!values.in || !values.out) fail('convert needs --in DIR and --out DIR')
        const maxShard = values['max-shard-size'] ? parseSize(values['max-shard-size']) : undefined
        if (maxShard === null) fail(`--max-shard-size must look like 5GB or 500MB (got "${values['max-shard-size']}")`)
        const plan = await planConvert({ base: values.in, out: values.out, dtype: parseDtype(values.dtype), maxShardBytes: maxShard })
        await runPlan(plan, { json: values.json!, dryRun: values['dry-run']!, overwrite: values.overwrite! })
        return 0
      }
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { port: { type: 'string' }, 'no-open': { type: 'boolean', default: false } } })
        const port = values.port ? Number(values.port) : 0
        if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be a number between 0 and 65535')
        const { runWeb } = await import('../main/web/run-web')
        await runWeb({ port, open: !values['no-open'] })
        return 0
      }
      default:
        fail(`unknown command "${cmd}"`)
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`graft: ${(e as Error).message}\nRun graft --help for usage.\n`)
      return 2
    }
    const info = toErrorInfo(e)
    const json = argv.includes('--json')
    if (json) process.stdout.write(JSON.stringify({ type: 'error', error: info }) + '\n')
    process.stderr.write(`graft: ${info.code}: ${info.message}\n${info.hint ? `  → ${info.hint}\n` : ''}`)
    return 1
  }
}

