import { jsonErrorPlace, readInputText } from '../../core/exec/read-input-file'
import { parseArgs } from 'node:util'
import { GraftError, toErrorInfo } from '../../core/errors'
import { computeMetrics, type MetricsGroup, type MetricsResult } from '../../core/compare/compute-metrics'
import { loadTokenizer, type LoadedTokenizer } from '../../core/compare/load-tokenizer'
import { renderChat, type ChatMessage, type RenderChatResult } from '../../core/compare/render-chat'
import { showWhitespace } from '../../core/compare/text-units'
import { vocabDiff, type VocabDiffResult } from '../../core/compare/vocab-diff'
import type { ErrorInfo } from '../../shared/errors'

export const COMPARE_USAGE = `Usage: graft compare A B [C D] (--text "..." | --corpus DIR) [--json] [--diff] [--chat FILE.json]
  A B [C D]        2 to 4 tokenizer folders (with tokenizer.json) or tokenizer.json files
  --text "..."     metrics on this text (one document)
  --corpus DIR     metrics on a folder of .txt (a document per line) / .jsonl ("text" field) files
  --diff           also compare the vocabularies (A against each other tokenizer)
  --chat FILE      also render the conversation in FILE (a JSON list of {role, content}, or
                   {"messages": [...], "add_generation_prompt": true}) with each chat template
  --special        count the special tokens the tokenizer adds (BOS/EOS); off by default
  --json           print one JSON object instead of tables
Exit codes: 0 success, 1 a tokenizer, file or template failed, 2 bad usage.`

/** Items shown per list in the text output of --diff. */
const DIFF_SAMPLE = 12

class UsageError extends Error {}

function usage(msg: string): never {
  throw new UsageError(msg)
}

/** `graft compare`: tokenizer metrics side by side, with optional vocabulary diff and chat rendering. */
export async function compareCommand(args: string[]): Promise<number> {
  const json = args.includes('--json')
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        text: { type: 'string' },
        corpus: { type: 'string' },
        json: { type: 'boolean', default: false },
        diff: { type: 'boolean', default: false },
        chat: { type: 'string' },
        special: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    if (values.help) {
      process.stdout.write(COMPARE_USAGE + '\n')
      return 0
    }
    if (positionals.length < 2 || positionals.length > 4) usage(`compare takes 2 to 4 tokenizers (got ${positionals.length})`)
    if (values.text !== undefined && values.corpus !== undefined) usage('give either --text or --corpus, not both')
    if (values.text === undefined && values.corpus === undefined && !values.diff && values.chat === undefined) usage('give --text "..." or --corpus DIR (and/or --diff, --chat FILE)')
    let messages: ChatMessage[] | undefined
    let addGenerationPrompt = true
    if (values.chat !== undefined) ({ messages, addGenerationPrompt } = await readConversation(values.chat))

    const tokenizers: LoadedTokenizer[] = []
    for (const p of positionals) tokenizers.push(await loadTokenizer({ path: p }))
    const labels = columnLabels(tokenizers)

    let metrics: MetricsResult | undefined
    if (values.text !== undefined || values.corpus !== undefined) {
      const tty = !json && process.stderr.isTTY
      metrics = await computeMetrics({
        tokenizers,
        text: values.text,
        corpus: values.corpus,
        addSpecialTokens: values.special,
        onProgress: tty ? (p) => process.stderr.write(`\r${p.filesDone}/${p.filesTotal} files, ${(p.bytesDone / 1e6).toFixed(1)} / ${(p.bytesTotal / 1e6).toFixed(1)} MB\x1b[K`) : undefined,
      })
      if (tty) process.stderr.write('\r\x1b[K')
    }
    const diffs: VocabDiffResult[] = []
    if (values.diff) for (let i = 1; i < tokenizers.length; i++) diffs.push(await vocabDiff({ a: tokenizers[0], b: tokenizers[i], limit: json ? undefined : DIFF_SAMPLE }))
    const chats: ({ ok: true; result: RenderChatResult } | { ok: false; tokenizer: string; error: ErrorInfo })[] = []
    if (messages) {
      for (const t of tokenizers) {
        try {
          chats.push({ ok: true, result: await renderChat({ tokenizer: t, messages, addGenerationPrompt }) })
        } catch (e) {
          if (!(e instanceof GraftError)) throw e
          chats.push({ ok: false, tokenizer: t.meta.name, error: e.toInfo() })
        }
      }
    }
    const failed = chats.some((c) => !c.ok)

    if (json) {
      process.stdout.write(JSON.stringify({ type: 'compare', tokenizers: tokenizers.map((t) => ({ name: t.meta.name, path: t.meta.path, loadMs: t.meta.loadMs })), metrics, diffs, chats }, null, 2) + '\n')
      return failed ? 1 : 0
    }
    const out: string[] = []
    if (metrics) out.push(formatMetrics(metrics, labels))
    for (const d of diffs) out.push(formatDiff(d))
    for (const [i, c] of chats.entries()) out.push(formatChat(labels[i], c))
    process.stdout.write(out.join('\n\n') + '\n')
    for (const c of chats) if (!c.ok) process.stderr.write(`graft: ${c.error.code}: ${c.error.message}\n${c.error.hint ? `  → ${c.error.hint}\n` : ''}`)
    return failed ? 1 : 0
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`graft compare: ${(e as Error).message}\n${COMPARE_USAGE}\n`)
      return 2
    }
    const info = toErrorInfo(e)
    if (json) process.stdout.write(JSON.stringify({ type: 'error', error: info }) + '\n')
    process.stderr.write(`graft: ${info.code}: ${info.message}\n${info.hint ? `  → ${info.hint}\n` : ''}`)
    return 1
  }
}

async function readConversation(file: string): Promise<{ messages: ChatMessage[]; addGenerationPrompt: boolean }> {
  const text = await readInputText(file, { hint: '--chat takes a JSON file: a list of {"role": ..., "content": ...} messages.' })
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    const place = jsonErrorPlace(text)
    throw new GraftError('BAD_REQUEST', `${file} is not valid JSON${place ? ` (${place})` : ''}.`, { file, hint: 'The file holds a list of {"role": ..., "content": ...} messages.' })
  }
  if (Array.isArray(data)) return { messages: data as ChatMessage[], addGenerationPrompt: true }
  if (data && typeof data === 'object' && Array.isArray((data as { messages?: unknown }).messages)) {
    const d = data as { messages: ChatMessage[]; add_generation_prompt?: unknown }
    return { messages: d.messages, addGenerationPrompt: d.add_generation_prompt !== false }
  }
  throw new GraftError('BAD_REQUEST', `${file} holds no conversation.`, { file, hint: 'Write a list of {"role": ..., "content": ...} messages, or {"messages": [...]}.' })
}

/** "A: llama3", "B: qwen3", …; the letter keeps columns apart when folder names repeat. */
function columnLabels(ts: LoadedTokenizer[]): string[] {
  return ts.map((t, i) => `${String.fromCharCode(65 + i)}: ${t.meta.name}`)
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
const fmt = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '–')

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: string[]): string => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

function metricRows(g: MetricsGroup): string[][] {
  const per = g.perTokenizer
  return [
    ['tokens', ...per.map((m) => fmtInt(m.tokens))],
    ['chars/token', ...per.map((m) => fmt(m.charsPerToken))],
    ['bytes/token', ...per.map((m) => fmt(m.bytesPerToken))],
    ['fertility (tokens/word)', ...per.map((m) => fmt(m.fertility))],
    ['words split', ...per.map((m) => `${fmt(m.splitWordShare * 100, 1)}%`)],
    ['unknown', ...per.map((m) => fmtInt(m.unknown))],
    ['byte-fallback', ...per.map((m) => fmtInt(m.byteFallback))],
    ['time (ms)', ...per.map((m) => fmt(m.timeMs, 1))],
    ['tokens/s', ...per.map((m) => fmtInt(m.tokensPerSecond))],
  ]
}

function formatMetrics(m: MetricsResult, labels: string[]): string {
  const t = m.total
  const lines: string[] = []
  const what = m.source === 'text' ? 'Text' : `Corpus ${m.corpus} (${m.files.length} file${m.files.length === 1 ? '' : 's'})`
  lines.push(`${what}: ${fmtInt(t.documents)} document${t.documents === 1 ? '' : 's'}, ${fmtInt(t.characters)} characters, ${fmtInt(t.bytes)} bytes, ${fmtInt(t.words)} words${m.addSpecialTokens ? '; special tokens counted' : ''}`)
  lines.push('')
  lines.push(table(['', ...labels], metricRows(t)))
  const groups = [...(m.files.length > 1 ? m.files : []), ...m.languages]
  if (groups.length) {
    lines.push('')
    lines.push('Per file / language: tokens (chars/token, fertility)')
    lines.push(table(['', 'chars', ...labels], groups.map((g) => [`${g.kind === 'language' ? 'lang ' : ''}${g.name}`, fmtInt(g.characters), ...g.perTokenizer.map((p) => `${fmtInt(p.tokens)} (${fmt(p.charsPerToken)}, ${fmt(p.fertility)})`)])))
  }
  if (m.skipped || m.badRecords || m.longLinesSplit) lines.push('', `Skipped ${m.skipped} blank line(s)/empty record(s); ${m.badRecords} unreadable jsonl record(s); ${m.longLinesSplit} overlong line cut(s).`)
  for (const p of m.problems) lines.push(`  ! ${p}`)
  lines.push('', `Words: ${m.wordDefinition}`)
  return lines.join('\n')
}

function formatDiff(d: VocabDiffResult): string {
  const lines: string[] = []
  lines.push(`Vocabulary: ${d.a.name} vs ${d.b.name}`)
  lines.push(
    table(
      ['', d.a.name, d.b.name],
      [
        ['model', `${d.a.modelType} (${d.a.alphabet})`, `${d.b.modelType} (${d.b.alphabet})`],
        ['size (len)', fmtInt(d.a.size), fmtInt(d.b.size)],
        ['added tokens', fmtInt(d.a.addedTokens.length), fmtInt(d.b.addedTokens.length)],
        ['only in this one', fmtInt(d.onlyA), fmtInt(d.onlyB)],
      ],
    ),
  )
  lines.push(`Shared ${fmtInt(d.shared)} of ${fmtInt(d.union)}: Jaccard ${fmt(d.jaccard, 4)}; ${fmtInt(d.remap.sameId)} shared tokens keep the same id.`)
  lines.push(`Normalization: ${d.normalization.name} — ${d.normalization.description}`)
  const sample = (items: { id: number; display: string }[], total: number): string =>
    `${items.map((t) => `${t.id}:${JSON.stringify(t.display)}`).join(' ')}${total > items.length ? ` … (${fmtInt(total - items.length)} more)` : ''}`
  lines.push(`Only in ${d.a.name}: ${sample(d.onlyInA.items, d.onlyInA.total)}`)
  lines.push(`Only in ${d.b.name}: ${sample(d.onlyInB.items, d.onlyInB.total)}`)
  const list = (xs: string[]): string => (xs.length ? xs.slice(0, DIFF_SAMPLE).join(' ') + (xs.length > DIFF_SAMPLE ? ` … (${xs.length - DIFF_SAMPLE} more)` : '') : '—')
  lines.push(`Special tokens only in ${d.a.name}: ${list(d.special.onlyA)}`)
  lines.push(`Special tokens only in ${d.b.name}: ${list(d.special.onlyB)}`)
  for (const s of d.sections) {
    lines.push(s.same ? `  ${s.section}: same — ${s.a}` : `  ${s.section}: differs\n    ${d.a.name}: ${s.a}\n    ${d.b.name}: ${s.b}`)
  }
  return lines.join('\n')
}

function formatChat(label: string, c: { ok: true; result: RenderChatResult } | { ok: false; tokenizer: string; error: ErrorInfo }): string {
  if (!c.ok) return `Chat — ${label}: ${c.error.message}`
  const r = c.result
  const lines = [`Chat — ${label}: ${r.count} tokens (template from ${r.templateSource})`, r.text, `Tokens: ${r.tokens.map((t) => (t.special ? t.token : showWhitespace(t.text ?? t.display))).join('|')}`]
  for (const w of r.warnings) lines.push(`  ! ${w}`)
  return lines.join('\n')
}
