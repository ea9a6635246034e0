import type { Plan } from '../shared/plan'
import type { JobProgress } from '../shared/progress'

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${v.toFixed(v < 10 && i > 0 ? 2 : v < 100 && i > 0 ? 1 : 0)} ${units[i]}`
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`
  return String(n)
}

/** Parses "5GB", "500MB", "2GiB" or a plain byte count. */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(s)
  if (!m) return null
  const unit = (m[2] ?? 'b').toLowerCase()
  const pow = { b: 0, k: 1, m: 2, g: 3, t: 4 }[unit[0] as 'b' | 'k' | 'm' | 'g' | 't']
  const base = unit.includes('i') ? 1024 : 1000
  return Math.round(Number(m[1]) * base ** pow)
}

export function progressLine(p: JobProgress, width = 28): string {
  const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 0
  const filled = Math.round(frac * width)
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
  const eta = p.etaSec === null ? '' : ` ETA ${p.etaSec < 60 ? `${Math.ceil(p.etaSec)}s` : `${Math.floor(p.etaSec / 60)}m${String(Math.ceil(p.etaSec % 60)).padStart(2, '0')}s`}`
  return `${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}  ${formatBytes(p.bytesPerSec)}/s  ${p.tensorsDone}/${p.tensorsTotal} tensors${eta}`
}

/** The preflight summary `--dry-run` prints (and the CLI shows before running). */
export function formatPlan(plan: Plan, opts: { all?: boolean } = {}): string {
  const lines: string[] = []
  lines.push(plan.title)
  for (const i of plan.inputs) lines.push(`  ${i.role.padEnd(8)} ${i.path}${i.weight !== undefined && i.weight !== 1 ? `  (weight ${i.weight})` : ''}`)
  lines.push(`  output   ${plan.output.dir}  (${plan.output.shards.length} shard${plan.output.shards.length > 1 ? 's' : ''}, ${formatBytes(plan.output.totalBytes)}${plan.output.dtype !== 'keep' ? `, ${plan.output.dtype}` : ''})`)
  if (plan.adapters?.length) {
    lines.push('')
    lines.push('Adapters (scale s = alpha/r, alpha/√r with rsLoRA; the merge adds weight·s·B·A):')
    plan.adapters.forEach((a, i) => {
      const flags = [a.useRslora ? 'rsLoRA' : '', a.useDora ? 'DoRA' : ''].filter(Boolean).join(', ')
      const g = a.groups.length === 1 ? a.groups[0] : null
      const hyper = g ? `r=${g.rank} alpha=${g.alpha} s=${+g.scale.toPrecision(6)}` : a.groups.length === 0 ? `r=${a.configR} alpha=${a.loraAlpha} (no LoRA modules)` : `r/alpha per module (patterns)`
      lines.push(`  ${i + 1}. ${a.path}  weight ${a.weight}  ${hyper}${flags ? `  [${flags}]` : ''}${a.fullTensors ? `  ${a.fullTensors} full tensor${a.fullTensors > 1 ? 's' : ''} replaced/added` : ''}`)
      if (!g) for (const x of a.groups) lines.push(`       r=${x.rank} alpha=${x.alpha} s=${+x.scale.toPrecision(6)}  ${x.modules} module${x.modules > 1 ? 's' : ''}`)
    })
  }
  const counts = new Map<string, number>()
  for (const t of plan.tensors) counts.set(t.recipe.join('+'), (counts.get(t.recipe.join('+')) ?? 0) + 1)
  lines.push('')
  lines.push(`Tensors: ${plan.tensors.length} — ${[...counts.entries()].map(([k, v]) => `${v} ${k}`).join(', ')}`)
  const changed = plan.tensors.filter((t) => !(t.recipe.length === 1 && t.recipe[0] === 'copy'))
  const show = opts.all ? changed : changed.slice(0, 12)
  for (const t of show) {
    const extra = [t.lora?.length ? `${t.lora.length} LoRA term${t.lora.length > 1 ? 's' : ''} (${t.lora.map((l) => `${l.kind} r=${l.rank} s=${+l.scaling.toFixed(6)}`).join('; ')})` : '', t.dora ? 'DoRA rescale' : '', t.note ?? ''].filter(Boolean).join(', ')
    lines.push(`  ${t.recipe.join('+').padEnd(10)} ${t.name} ${t.dtype} [${t.shape.join(', ')}]${extra ? `  ${extra}` : ''}`)
  }
  if (changed.length > show.length) lines.push(`  … and ${changed.length - show.length} more (--json for all)`)
  if (plan.decisions.length) {
    lines.push('')
    lines.push('Decisions:')
    for (const d of plan.decisions) lines.push(`  • ${d.message}`)
  }
  if (plan.errors?.length) {
    lines.push('')
    lines.push('Cannot run:')
    for (const e of plan.errors) lines.push(`  ✗ ${e.message}${e.hint ? ` → ${e.hint}` : ''}`)
  }
  if (plan.warnings.length) {
    lines.push('')
    lines.push('Warnings:')
    for (const w of plan.warnings) lines.push(`  ! ${w.message}`)
  }
  lines.push('')
  lines.push(`Files: ${plan.files.map((f) => f.path).join(', ')}`)
  lines.push(`Estimates: read ${formatBytes(plan.estimates.bytesRead)}, write ${formatBytes(plan.estimates.bytesWritten)}, peak memory ≈ ${formatBytes(plan.estimates.peakMemoryBytes)}`)
  return lines.join('\n')
}
