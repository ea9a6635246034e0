#!/usr/bin/env node
// Enforces docs/architecture.md's folder table: which src/ folder may import which. A crossing
// prints the file, the import and the rule, and exits 1 (CI fails).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const root = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(new URL(import.meta.url).pathname), '..')
const src = join(root, 'src')

/** folder -> project folders it may import, and a test for bare (package) specifiers. */
const RULES = {
  shared: { folders: ['shared'], bare: () => false, why: 'src/shared is pure TypeScript: nothing outside src/shared' },
  core: { folders: ['core', 'shared'], bare: (s) => !/^(electron|react|react-dom|piscina)(\/|$)/.test(s), why: 'src/core never imports electron, react or piscina' },
  worker: { folders: ['worker', 'core', 'shared'], bare: (s) => !/^(electron|react|react-dom)(\/|$)/.test(s), why: 'src/worker runs engine steps: core and shared only, never electron' },
  main: { folders: ['main', 'core', 'shared', 'worker'], bare: (s) => !/^(react|react-dom)(\/|$)/.test(s), why: 'src/main never imports the renderer or React' },
  preload: { folders: ['preload', 'shared'], bare: (s) => /^electron(\/|$)/.test(s), why: 'src/preload may import only src/shared and electron' },
  renderer: { folders: ['renderer', 'shared'], bare: (s) => !/^(node:|electron(\/|$)|piscina|tokenizers|ws(\/|$)|zod(\/|$))/.test(s), why: 'src/renderer talks to the app only through src/shared\'s contract: no node:*, no electron' },
  cli: { folders: ['cli', 'core', 'shared', 'worker', 'main/jobs', 'main/web', 'main/api', 'main/settings'], bare: (s) => !/^(electron|react|react-dom)(\/|$)/.test(s), why: 'src/cli may use core, shared, the worker entry and the electron-free main/jobs and main/web' },
}
/**
 * Entry points that run in plain Node (web mode, `graft serve` and the rest of the CLI): no module
 * they load, however indirectly, may import electron. The set is computed from the import graph.
 */
const PLAIN_NODE_ENTRIES = ['main/web/run-web.ts', 'cli/main.ts']

function* walk(dir) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (statSync(p).isDirectory()) yield* walk(p)
    else if (/\.(ts|tsx|mts)$/.test(e) && !/\.d\.ts$/.test(e)) yield p
  }
}

const IMPORT_RE = /(?:^|[;\s])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm
const problems = []
let files = 0
/** rel file -> { files: rel files it imports at run time, electron: whether it imports electron at run time } */
const graph = new Map()
/** The file a relative specifier names: as written, or with .ts/.tsx, or its index. */
function resolveModule(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec.replace(/\?.*$/, ''))
  for (const c of [base, base + '.ts', base + '.tsx', base.replace(/\.m?js$/, '.ts'), join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(c) && statSync(c).isFile()) return relative(src, c).split(sep).join('/')
  }
  return null
}
for (const file of walk(src)) {
  files++
  const rel = relative(src, file).split(sep).join('/')
  const node = { files: [], electron: false }
  graph.set(rel, node)
  const folder = rel.split('/')[0]
  const rule = RULES[folder]
  if (!rule) continue
  const isTest = /\.test\.tsx?$/.test(rel)
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3]
    if (!spec) continue
    // `import type` / `export type` vanish at run time.
    const typeOnly = /^[;\s]*(?:import|export)\s+type\s/.test(m[0])
    if (!typeOnly && !isTest) {
      if (spec.startsWith('.')) {
        const target = resolveModule(file, spec)
        if (target) node.files.push(target)
      } else if (/^electron(\/|$)/.test(spec)) node.electron = true
    }
    if (spec.startsWith('.')) {
      const target = relative(src, resolve(dirname(file), spec.replace(/\?.*$/, ''))).split(sep).join('/')
      if (target.startsWith('..')) {
        if (!isTest) problems.push(`${rel}: imports "${spec}" outside src/`)
        continue
      }
      if (isTest && folder !== 'shared' && folder !== 'renderer' && folder !== 'preload') continue
      const ok = rule.folders.some((f) => target === f || target.startsWith(f + '/'))
      if (!ok) problems.push(`${rel}: imports "${spec}" (src/${target}) — ${rule.why}`)
    } else {
      if (isTest && spec === 'vitest') continue
      if (!rule.bare(spec)) problems.push(`${rel}: imports package "${spec}" — ${rule.why}`)
    }
  }
}
// Walk the run-time import graph from each plain-Node entry; report every electron import reached, with the chain.
for (const entry of PLAIN_NODE_ENTRIES) {
  if (!graph.has(entry)) continue
  const via = new Map([[entry, null]])
  const queue = [entry]
  while (queue.length) {
    const f = queue.shift()
    const node = graph.get(f)
    if (!node) continue
    if (node.electron) {
      const chain = []
      for (let g = f; g; g = via.get(g)) chain.unshift(g)
      problems.push(`${f}: imports electron, but ${entry} loads it in plain Node (web mode, graft serve, CLI): ${chain.join(' → ')} — it must also run without Electron`)
    }
    for (const t of node.files) {
      if (!via.has(t)) {
        via.set(t, f)
        queue.push(t)
      }
    }
  }
}
if (problems.length) {
  console.error(`Import boundaries: ${problems.length} crossing(s) in ${files} files:`)
  for (const p of problems) console.error('  ' + p)
  process.exit(1)
}
console.log(`Import boundaries: ${files} files checked, no crossings.`)
