/**
 * `node --import tsx bench/compare.ts [--repeat N] [--mb 1]`: tokenizer metrics on a ~1 MB
 * multilingual corpus through two tokenizers (llama3 and qwen3 from test/fixtures; mistral and
 * qwen3 when llama3's fixture is missing).
 *
 * The corpus is generated deterministically into .bench/compare-corpus/ (gitignored) from fixed
 * English, TypeScript, Chinese and emoji sentences mixed by a seeded generator: en.txt, zh.txt and
 * emoji.txt (a document per line) and code.jsonl (a "text" field per record).
 * Goal from issue 9: both tokenizers in under 1.5 s in total.
 */
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { computeMetrics, type MetricsResult } from '../src/core/compare/compute-metrics'
import { loadTokenizer } from '../src/core/compare/load-tokenizer'
import { pieceTable } from '../src/core/compare/piece-table'
import { FIXTURES, fixtureDir, type FixtureName } from '../test/compare/fixture-dirs'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const CORPUS = join(REPO, '.bench', 'compare-corpus')
const GOAL_MS = 1500

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' }, mb: { type: 'string', default: '1' } } })
const repeat = Math.max(1, Number(values.repeat))
const targetBytes = Math.round(Number(values.mb) * 1_000_000)

const EN = [
  'The committee reviewed the proposal carefully before publishing its final recommendations.',
  'Researchers often compare tokenizers by counting how many tokens a typical sentence needs.',
  "She couldn't remember where she'd left the keys, so she retraced her steps through the garden.",
  'In 2024, the observatory recorded 3,417 meteors during a single night in August.',
  'A well-designed interface lets people finish their work without reading the manual first.',
  'The river rose quickly after the storm, flooding the low fields along the northern bank.',
  'Compression ratios vary widely between languages, scripts and domains such as source code.',
  'Good documentation explains not only what a function does but also why it exists.',
]
const CODE = [
  'export function add(a: number, b: number): number {\n  return a + b\n}',
  "const tokens = await tokenizer.encode(text, null, { addSpecialTokens: false })\nconsole.log(tokens.getIds().length)",
  'for (let i = 0; i < rows.length; i++) {\n\tif (rows[i].id === target) return i\n}\nreturn -1',
  'interface User {\n  id: string\n  name: string\n  email?: string\n}',
  "import { readFile } from 'node:fs/promises'\nconst config = JSON.parse(await readFile('config.json', 'utf8'))",
  'class Stack<T> {\n  private items: T[] = []\n  push(x: T): void { this.items.push(x) }\n  pop(): T | undefined { return this.items.pop() }\n}',
]
const ZH = [
  '机器学习是人工智能的一个分支，它使计算机能够从数据中学习。',
  '今天天气很好，我们去公园散步吧。',
  '分词器把文本切成词元，词元的数量决定了模型的计算成本。',
  '这座城市有两千多年的历史，保存着许多古老的建筑。',
  '研究人员比较了不同语言的压缩率，发现中文的差异最大。',
  '请在下周五之前提交你的报告，并附上所有的数据来源。',
]
const EMOJI = [
  'Great job team 🎉🎉 see you tomorrow 👋',
  'Family trip 👨‍👩‍👧‍👦 to 🇫🇷 and 🇯🇵 was amazing 😀✨',
  'Weather today: ☀️ then 🌧️ then ⛈️ — bring an umbrella ☂️',
  'Reactions: 👍🏽 👍🏿 ❤️‍🔥 🫶 🤖 100% agree 💯',
  'Coffee ☕ + code 💻 = 🚀 (mostly) 🙂',
]

/** A small deterministic generator (LCG), so every run builds the same corpus. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

async function buildCorpus(): Promise<number> {
  await rm(CORPUS, { recursive: true, force: true })
  await mkdir(CORPUS, { recursive: true })
  const rand = rng(9)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]
  // share of the bytes per file: English prose, code, Chinese, emoji
  const parts: [string, number, () => string][] = [
    ['en.txt', 0.4, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(EN)).join(' ')],
    ['code.jsonl', 0.25, () => JSON.stringify({ text: Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(CODE)).join('\n\n'), lang: 'code' })],
    ['zh.txt', 0.25, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(ZH)).join('')],
    ['emoji.txt', 0.1, () => `${pick(EMOJI)} ${pick(EN)}`],
  ]
  let total = 0
  for (const [name, share, line] of parts) {
    const lines: string[] = []
    let bytes = 0
    while (bytes < targetBytes * share) {
      const l = line()
      lines.push(l)
      bytes += Buffer.byteLength(l) + 1
    }
    await writeFile(join(CORPUS, name), lines.join('\n') + '\n')
    total += bytes
  }
  return total
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

const names: FixtureName[] = existsSync(join(FIXTURES, 'llama3')) ? ['llama3', 'qwen3'] : ['mistral', 'qwen3']
const corpusBytes = await buildCorpus()
console.log(`Corpus: ${CORPUS} — ${fmt(corpusBytes / 1e6, 2)} MB (en.txt, code.jsonl, zh.txt, emoji.txt)`)
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)

const tokenizers = []
for (const n of names) {
  const t0 = performance.now()
  const l = await loadTokenizer({ path: fixtureDir(n) })
  const loadMs = performance.now() - t0
  const t1 = performance.now()
  pieceTable(l)
  console.log(`Loaded ${n}: ${fmt(loadMs)} ms (files checked + tokenizers library), id table ${fmt(performance.now() - t1)} ms`)
  tokenizers.push(l)
}

let best: MetricsResult | null = null
for (let r = 1; r <= repeat; r++) {
  const res = await computeMetrics({ tokenizers, corpus: CORPUS })
  const per = res.total.perTokenizer
  const encodeMs = per.reduce((s, p) => s + p.timeMs, 0)
  console.log(
    `run ${r}: wall ${fmt(res.wallMs)} ms (${encodeMs <= GOAL_MS && res.wallMs <= GOAL_MS ? 'within' : 'over'} the ${GOAL_MS} ms goal) — ` +
      per.map((p, i) => `${names[i]} ${fmt(p.timeMs)} ms, ${fmt(p.tokens)} tokens, ${fmt(p.tokensPerSecond)} tokens/s`).join('; '),
  )
  if (!best || res.wallMs < best.wallMs) best = res
}
if (best) {
  const t = best.total
  console.log(`\nBest of ${repeat}: ${fmt(best.wallMs)} ms wall for both tokenizers, reading and word counting included (goal ${GOAL_MS} ms); ${fmt(t.documents)} documents, ${fmt(t.bytes)} bytes of text, ${fmt(t.characters)} chars, ${fmt(t.words)} words`)
  for (const [i, p] of t.perTokenizer.entries()) {
    console.log(`  ${names[i].padEnd(8)} ${fmt(p.tokens).padStart(9)} tokens  ${fmt(p.timeMs).padStart(6)} ms  ${fmt(p.tokensPerSecond).padStart(9)} tokens/s  chars/token ${p.charsPerToken.toFixed(2)}  fertility ${p.fertility.toFixed(2)}`)
  }
  for (const f of [...best.files]) console.log(`  ${f.name.padEnd(10)} ${f.perTokenizer.map((p, i) => `${names[i]} ${fmt(p.tokens)} tok (${p.charsPerToken.toFixed(2)} c/t)`).join('  ')}`)
}
