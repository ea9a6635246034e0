import { parseArgs } from 'node:util'
import { GRAFT_VERSION } from '../shared/version'
import type { Plan, PlanProblem } from '../shared/plan'
import type { JobProgress } from '../shared/progress'
import { GraftError, toErrorInfo } from '../core/errors'
import { planOperation, type PlanDeps } from '../core/ops/operations'
import { runOperation } from '../core/ops/run-operation'
import { readModelInfo } from '../core/model/read-model-info'
import { createPoolRunner } from '../main/jobs/pool-runner'
import { formatBytes, formatCount, formatPlan, parseSize, progressLine } from './format'
import { readInputText } from '../core/exec/read-input-file'
import { MAX_TOKEN_CHARS } from '../shared/vocab'
import { scanVocabRows } from '../core/vocab/scan-vocab-rows'
import { vocabTruthTable, type VocabTruthTable } from '../core/vocab/vocab-truth-table'
import type { InitStrategy } from '../core/vocab/plan-resize'
import { planAddTokens } from '../core/vocab/plan-add-tokens'
import { summarizeAddedTokens } from '../core/vocab/summarize-added-tokens'

const HELP = `graft ${GRAFT_VERSION} — surgery on Hugging Face checkpoints

Usage:
  graft inspect <dir> [--json]                 Summarise a model folder (config + safetensors headers only)
  graft merge --base DIR --adapter DIR[:WEIGHT] [--adapter ...] --out DIR
              [--dtype keep|bf16|f16|f32] [--max-shard-size 5GB] [--threads N]
              [--dry-run] [--json] [--overwrite] [--allow-nonfinite]
                                               Merge LoRA adapters into a base model, streamed
  graft convert --in DIR --out DIR [--dtype ...] [--max-shard-size ...] [--dry-run] [--json]
                                               Copy a model, casting float tensors or resharding
  graft vocab <dir> [--scan] [--json]          The vocabulary truth table: tokenizer, config and tensor
                                               sizes, padding and (--scan) untrained rows, with fixes
  graft resize --in DIR --out DIR (--size N | --to-tokenizer) [--pad-to-multiple-of K]
              [--init mean|trained-mean|mean-noise|copy-row:ID|zeros] [--seed S] [--allow-shrink]
                                               Resize embeddings (and head) without loading the model
  graft tokens add --in DIR --out DIR [--token T ...] [--special T ...] [--tokens-file F]
              [--init trained-mean|mean|subtoken-mean|mean-noise|zeros] [--pad-to-multiple-of K]
              [--adapter DIR[:WEIGHT] ...]     Add tokens and resize in one pass (merging adapters too)
              [--pad T] [--bos T] [--eos T] [--unk T]
                                               Set special-token roles (a token added here or one the
                                               tokenizer has; roles alone need no new token)
  graft tokens extend --in DIR --out DIR --token T ... [--tokens-file F] [--force] [--init ...]
                                               True vocabulary extension (BPE pieces + merges, for a new
                                               language), verified reachable, and resize in one pass
  graft untrained scan <dir> [--json]          List untrained (all-zero) embedding/head rows
  graft untrained fix --in DIR --out DIR [--strategy trained-mean|mean]
                                               Set untrained rows to the mean of trained rows
  graft compare A B [C D] (--text "..." | --corpus DIR) [--diff] [--chat FILE.json] [--json]
                                               Compare 2–4 tokenizers: tokens, metrics, vocab diff
  graft hub search|info|download|upload|whoami ...
                                               The Hugging Face Hub and the local cache (graft hub --help)
  graft serve [--port N] [--no-open]           Run the workbench UI in a browser (web mode)

All commands that write take --dry-run (print the plan), --json, --overwrite and --threads N.
Every output is verified before it is moved into place (shapes, vocabulary sizes, no NaN/Inf in the
tensors Graft computed); --allow-nonfinite keeps an output with NaN/Inf instead of refusing it.
  graft --help | --version

Exit codes: 0 success, 1 the operation failed, 2 bad usage, 130/143 cancelled by SIGINT/SIGTERM.
Only graft hub uses the network (never with HF_HUB_OFFLINE=1 or --offline); inputs are opened
read-only and outputs appear only when complete.`

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

/** A --dry-run whose plan has errors: it was printed, and the command exits 1. */
class PlanCannotRun extends GraftError {
  constructor(p: PlanProblem) {
    super(p.code, p.message, { file: p.file, hint: p.hint })
  }
}

/** The signal that cancelled the command (SIGINT or SIGTERM), if one did: main exits 128 + its number. */
let cancelledBy: NodeJS.Signals | null = null

/** Exit status of a command cancelled by a signal, as shells report it: 130 for SIGINT, 143 for SIGTERM. */
export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

/** A pool and a cancel signal (SIGINT/SIGTERM) for the duration of `f`. */
async function withRunner<T>(threads: number | undefined, f: (deps: PlanDeps) => Promise<T>): Promise<T> {
  const runner = createPoolRunner({ threads })
  const abort = new AbortController()
  const onSig = (sig: NodeJS.Signals) => {
    cancelledBy ??= sig
    abort.abort()
  }
  process.once('SIGINT', onSig)
  process.once('SIGTERM', onSig)
  try {
    return await f({ runner, signal: abort.signal })
  } finally {
    process.off('SIGINT', onSig)
    process.off('SIGTERM', onSig)
    await runner.close()
  }
}

interface RunFlags {
  json: boolean
  dryRun: boolean
  overwrite: boolean
  allowNonFinite: boolean
  threads?: number
}

/** Plans (the plan may need the pool: untrained fix scans rows), then prints it or runs it with runOperation: execute, verify, report. */
async function runPlan(makePlan: Plan | ((deps: PlanDeps) => Promise<Plan>), opts: RunFlags): Promise<void> {
  await withRunner(opts.threads, async ({ runner, signal }) => {
    const plan = typeof makePlan === 'function' ? await makePlan({ runner, signal }) : makePlan
    if (opts.dryRun) {
      process.stdout.write(opts.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan) + '\n')
      if (plan.errors?.length) throw new PlanCannotRun(plan.errors[0])
      return
    }
    if (opts.json) process.stdout.write(JSON.stringify({ type: 'plan', title: plan.title, decisions: plan.decisions, warnings: plan.warnings, estimates: plan.estimates }) + '\n')
    else process.stderr.write(formatPlan(plan) + '\n\n')
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
    const onLog = (line: string) => {
      if (opts.json) process.stdout.write(JSON.stringify({ type: 'log', message: line }) + '\n')
      else process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`)
    }
    const res = await runOperation({ plan, runner, signal, onProgress, onLog, overwrite: opts.overwrite, allowNonFinite: opts.allowNonFinite })
    if (tty) process.stderr.write('\n')
    if (opts.json) process.stdout.write(JSON.stringify({ type: 'done', outDir: res.outDir, bytesWritten: res.bytesWritten, seconds: res.seconds, verification: res.verification }) + '\n')
    else process.stdout.write(`Wrote ${res.outDir} (${formatBytes(res.bytesWritten)} in ${res.seconds.toFixed(2)} s)\n`)
  })
}

const WRITE_OPTIONS = {
  dtype: { type: 'string' },
  'max-shard-size': { type: 'string' },
  threads: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  overwrite: { type: 'boolean', default: false },
  'allow-nonfinite': { type: 'boolean', default: false },
} as const

function positiveInt(s: string, flag: string): number {
  const n = Number(s)
  if (!Number.isInteger(n) || n <= 0) fail(`${flag} must be a positive integer (got "${s}")`)
  return n
}

function shardSize(s: string | undefined): number | undefined {
  if (s === undefined) return undefined
  const n = parseSize(s)
  if (n === null) fail(`--max-shard-size must look like 5GB or 500MB (got "${s}")`)
  return n
}

function writeFlags(v: { json?: boolean; 'dry-run'?: boolean; overwrite?: boolean; 'allow-nonfinite'?: boolean; threads?: string }): RunFlags {
  return { json: !!v.json, dryRun: !!v['dry-run'], overwrite: !!v.overwrite, allowNonFinite: !!v['allow-nonfinite'], threads: v.threads !== undefined ? positiveInt(v.threads, '--threads') : undefined }
}

/** --tokens-file bound: 10,000 tokens of 256 characters fit in a few MB; more is not a token list. */
const MAX_TOKENS_FILE_BYTES = 16 << 20

function parseInit(s: string, seed: string | undefined): InitStrategy {
  // The same range as the API's seed: an unsigned 32-bit integer.
  if (seed !== undefined && !(/^\d{1,10}$/.test(seed) && Number(seed) <= 2 ** 32 - 1)) fail(`--seed must be an integer from 0 to ${2 ** 32 - 1} (got "${seed}")`)
  if (s === 'mean' || s === 'trained-mean' || s === 'zeros') return { kind: s }
  if (s === 'mean-noise') return { kind: 'mean-noise', seed: seed !== undefined ? Number(seed) : 0 }
  const m = /^copy-row:(\d+)$/.exec(s)
  if (m) return { kind: 'copy-row', row: Number(m[1]) }
  fail(`--init must be mean, trained-mean, mean-noise, copy-row:ID or zeros (got "${s}")`)
}

function formatTruthTable(t: VocabTruthTable): string {
  const rows: [string, string][] = [
    ['tokenizer', t.tokenizerSize === null ? 'none' : `${t.tokenizerSize} tokens (${t.modelVocabSize} in the model vocab, ${t.addedTokens.length} added)`],
    [`config ${t.configVocabField}`, String(t.configVocabSize ?? '?')],
    ['embedding', t.embedName ? `${t.embedName}: ${t.embedRows} rows` : 'not found'],
    ['head', t.headName ? `${t.headName}: ${t.headRows} rows${t.tied ? ' (unused: the model is tied to the embedding)' : ''}` : t.tied ? `tied to the embedding (${t.headRows} rows)` : 'none'],
    ['padding rows', String(t.paddingRows)],
  ]
  if (t.untrained) rows.push(['untrained', `${t.untrained.length} row(s)${t.untrained.length ? ': ' + t.untrained.slice(0, 8).map((u) => `${u.id} ${JSON.stringify(u.token)}`).join(', ') + (t.untrained.length > 8 ? ', …' : '') : ''}`])
  const lines = rows.map(([k, v]) => `${k.padEnd(20)} ${v}`)
  lines.push('')
  for (const c of t.checks) {
    const mark = c.severity === 'ok' ? '✓' : c.severity === 'info' ? 'i' : c.severity === 'warning' ? '!' : '✗'
    lines.push(`${mark} ${c.message}`)
    if (c.fix) lines.push(`  fix: ${c.fix.command}`)
  }
  return lines.join('\n')
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
    tieReason: info.tieReason,
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
    ['head', summary.headName ? `${summary.headName} — ${summary.headRows} rows${summary.tieWordEmbeddings ? ' (unused: tied to the embedding)' : ''}` : summary.tieWordEmbeddings ? 'tied to the embedding (no tensor)' : 'none'],
    ['tied', `${summary.tieWordEmbeddings} (${summary.tieReason})`],
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
            'allow-nonfinite': { type: 'boolean', default: false },
          },
        })
        if (!values.base) fail('merge needs --base DIR')
        if (!values.adapter?.length) fail('merge needs at least one --adapter DIR[:WEIGHT]')
        if (!values.out) fail('merge needs --out DIR')
        const maxShard = values['max-shard-size'] ? parseSize(values['max-shard-size']) : undefined
        if (maxShard === null) fail(`--max-shard-size must look like 5GB or 500MB (got "${values['max-shard-size']}")`)
        const threads = values.threads ? Number(values.threads) : undefined
        if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) fail('--threads must be a positive integer')
        const params = { base: values.base, adapters: values.adapter.map(parseAdapterArg), out: values.out, dtype: parseDtype(values.dtype), maxShardBytes: maxShard }
        await runPlan((deps) => planOperation({ kind: 'merge', params }, deps), { ...writeFlags(values), threads })
        return 0
      }
      case 'convert': {
        const { values } = parseArgs({
          args: rest,
          options: { in: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, 'max-shard-size': { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, overwrite: { type: 'boolean', default: false }, 'allow-nonfinite': { type: 'boolean', default: false } },
        })
        if (!values.in || !values.out) fail('convert needs --in DIR and --out DIR')
        const maxShard = values['max-shard-size'] ? parseSize(values['max-shard-size']) : undefined
        if (maxShard === null) fail(`--max-shard-size must look like 5GB or 500MB (got "${values['max-shard-size']}")`)
        const params = { base: values.in, out: values.out, dtype: parseDtype(values.dtype), maxShardBytes: maxShard }
        await runPlan((deps) => planOperation({ kind: 'convert', params }, deps), writeFlags(values))
        return 0
      }
      case 'vocab': {
        const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false }, scan: { type: 'boolean', default: false } }, allowPositionals: true })
        if (positionals.length !== 1) fail('vocab takes one folder: graft vocab <dir> [--scan] [--json]')
        const info = await readModelInfo(positionals[0])
        const scan = values.scan ? await withRunner(undefined, (deps) => scanVocabRows({ info, ...deps })) : undefined
        const table = await vocabTruthTable({ dir: positionals[0], info, scan })
        process.stdout.write(values.json ? JSON.stringify(table, null, 2) + '\n' : formatTruthTable(table) + '\n')
        return table.checks.some((c) => c.severity === 'error') ? 1 : 0
      }
      case 'resize': {
        const { values } = parseArgs({ args: rest, options: { ...WRITE_OPTIONS, in: { type: 'string' }, out: { type: 'string' }, size: { type: 'string' }, 'to-tokenizer': { type: 'boolean', default: false }, 'pad-to-multiple-of': { type: 'string' }, init: { type: 'string', default: 'trained-mean' }, seed: { type: 'string' }, 'allow-shrink': { type: 'boolean', default: false } } })
        if (!values.in || !values.out) fail('resize needs --in DIR and --out DIR')
        let size = values.size !== undefined ? positiveInt(values.size, '--size') : undefined
        if (values['to-tokenizer']) {
          const table = await vocabTruthTable({ dir: values.in })
          if (table.tokenizerSize === null) fail(`--to-tokenizer: ${values.in} has no readable tokenizer.json`)
          size = table.tokenizerSize
        }
        const pad = values['pad-to-multiple-of'] !== undefined ? positiveInt(values['pad-to-multiple-of'], '--pad-to-multiple-of') : undefined
        if (size === undefined && pad === undefined) fail('resize needs --size N, --to-tokenizer or --pad-to-multiple-of K')
        const params = { base: values.in, out: values.out, newSize: size, padToMultipleOf: pad, init: parseInit(values.init!, values.seed), allowShrink: values['allow-shrink'], dtype: parseDtype(values.dtype), maxShardBytes: shardSize(values['max-shard-size']) }
        await runPlan((deps) => planOperation({ kind: 'resize', params }, deps), writeFlags(values))
        return 0
      }
      case 'tokens': {
        const [sub, ...args] = rest
        if (sub !== 'add' && sub !== 'extend') fail('usage: graft tokens add|extend --in DIR --out DIR --token T [--special T] ...')
        const { values } = parseArgs({ args, options: { ...WRITE_OPTIONS, in: { type: 'string' }, out: { type: 'string' }, token: { type: 'string', multiple: true }, special: { type: 'string', multiple: true }, 'tokens-file': { type: 'string' }, init: { type: 'string', default: 'trained-mean' }, seed: { type: 'string' }, 'pad-to-multiple-of': { type: 'string' }, adapter: { type: 'string', multiple: true }, force: { type: 'boolean', default: false }, pad: { type: 'string' }, bos: { type: 'string' }, eos: { type: 'string' }, unk: { type: 'string' } } })
        if (!values.in || !values.out) fail(`tokens ${sub} needs --in DIR and --out DIR`)
        const roles = { pad: values.pad, bos: values.bos, eos: values.eos, unk: values.unk }
        const hasRoles = Object.values(roles).some((v) => v !== undefined)
        if (sub === 'extend' && values.special?.length) fail('tokens extend adds vocabulary pieces; special tokens are added tokens: use graft tokens add --special')
        const tokens = [...(values.token ?? []).map((content) => ({ content, special: false })), ...(values.special ?? []).map((content) => ({ content, special: true }))]
        if (values['tokens-file']) {
          const text = await readInputText(values['tokens-file'], { maxBytes: MAX_TOKENS_FILE_BYTES, hint: '--tokens-file takes a text file with one token per line.' })
          for (const line of text.split(/\r?\n/)) if (line.trim()) tokens.push({ content: line.replace(/\s+$/, ''), special: false })
        }
        const long = tokens.findIndex((t) => t.content.length > MAX_TOKEN_CHARS)
        if (long >= 0) fail(`token ${long + 1} is ${tokens[long].content.length} characters long; a token may have at most ${MAX_TOKEN_CHARS} (it starts ${JSON.stringify(tokens[long].content.slice(0, 20))}…)`)
        if (tokens.length === 0 && !hasRoles) fail(`tokens ${sub} needs at least one --token, --special or --tokens-file (or a role: --pad, --bos, --eos, --unk)`)
        const init = values.init === 'subtoken-mean' ? ('subtoken-mean' as const) : parseInit(values.init!, values.seed)
        const res = await planAddTokens({ base: values.in, out: values.out, tokens, init, padToMultipleOf: values['pad-to-multiple-of'] ? positiveInt(values['pad-to-multiple-of'], '--pad-to-multiple-of') : undefined, dtype: parseDtype(values.dtype), maxShardBytes: shardSize(values['max-shard-size']), adapters: values.adapter?.map(parseAdapterArg), mode: sub === 'extend' ? 'vocab' : 'added', force: values.force, roles: hasRoles ? roles : undefined })
        if (!values.json && res.added.length) process.stderr.write(`Tokenizer: ${res.added.length} added: ${summarizeAddedTokens(res.added)}; ${res.verify.loaded ? `verified with the tokenizers library (${res.verify.tokens.length} tokens, ${res.verify.samples.length} samples)` : 'NOT verified (no tokenizer.json to load with the tokenizers library)'}.\n`)
        await runPlan(res.plan, writeFlags(values))
        return 0
      }
      case 'untrained': {
        const [sub, ...args] = rest
        if (sub === 'scan') {
          const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true })
          if (positionals.length !== 1) fail('usage: graft untrained scan <dir> [--json]')
          const info = await readModelInfo(positionals[0])
          const scan = await withRunner(undefined, (deps) => scanVocabRows({ info, ...deps }))
          const table = await vocabTruthTable({ dir: positionals[0], info, scan })
          if (values.json) process.stdout.write(JSON.stringify({ untrainedEmbed: scan.untrainedEmbed, untrainedHead: scan.untrainedHead, untrained: table.untrained }, null, 2) + '\n')
          else {
            process.stdout.write(`${scan.untrainedEmbed.length} untrained embedding row(s), ${scan.untrainedHead.length} untrained head row(s).\n`)
            for (const u of table.untrained ?? []) process.stdout.write(`  ${String(u.id).padStart(7)}  ${JSON.stringify(u.token)}  ${u.inEmbed ? 'embed' : ''}${u.inEmbed && u.inHead ? '+' : ''}${u.inHead ? 'head' : ''}\n`)
          }
          return 0
        }
        if (sub === 'fix') {
          const { values } = parseArgs({ args, options: { ...WRITE_OPTIONS, in: { type: 'string' }, out: { type: 'string' }, strategy: { type: 'string', default: 'trained-mean' } } })
          if (!values.in || !values.out) fail('untrained fix needs --in DIR and --out DIR')
          if (values.strategy !== 'trained-mean' && values.strategy !== 'mean') fail('--strategy must be trained-mean or mean')
          const params = { base: values.in, out: values.out, strategy: values.strategy as 'trained-mean' | 'mean' }
          await runPlan((deps) => planOperation({ kind: 'untrained-fix', params }, deps), writeFlags(values))
          return 0
        }
        fail('usage: graft untrained scan <dir> | graft untrained fix --in DIR --out DIR')
      }
      case 'compare':
        return await (await import('./commands/compare')).compareCommand(rest)
      case 'hub':
        return await (await import('./commands/hub')).hubCommand(rest)
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
    // The dry-run's plan (JSON included) already lists why it cannot run.
    if (e instanceof PlanCannotRun && json) return 1
    if (info.code === 'OUTPUT_EXISTS') info.hint = 'Choose a new output folder, or pass --overwrite to replace it.'
    if (json) process.stdout.write(JSON.stringify({ type: 'error', error: info }) + '\n')
    process.stderr.write(`graft: ${info.code}: ${info.message}\n${info.hint ? `  → ${info.hint}\n` : ''}`)
    // A cancel by Ctrl+C or kill exits as shells expect (128 + the signal), so scripts can tell it from a failure.
    if (info.code === 'CANCELLED' && cancelledBy) return SIGNAL_EXIT[cancelledBy] ?? 1
    return 1
  }
}

