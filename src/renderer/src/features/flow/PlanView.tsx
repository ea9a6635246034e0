import { useDeferredValue, useMemo, useState } from 'react'
import type { Plan, PlanAdapter, PlanNote, RecipeKind, TensorPlan } from '../../../../shared/plan'
import { formatBytes, formatDuration, formatInt, formatShape } from '../../lib/format'

/** Time estimates assume this much disk throughput: conservative for SSDs, so a run is rarely slower. */
export const CONSERVATIVE_BYTES_PER_SEC = 200e6
/** Changed tensors listed at once; a filter narrows the rest. */
const MAX_LISTED = 200

export const RECIPE_INFO: Record<RecipeKind, { label: string; text: string }> = {
  copy: { label: 'copy', text: 'bytes copied unchanged' },
  cast: { label: 'cast', text: 'converted to the output dtype' },
  lora: { label: 'LoRA merge', text: 'W + s·B·A from the adapters' },
  replace: { label: 'replace', text: 'full tensor taken from an adapter' },
  'resize-rows': { label: 'resize rows', text: 'rows added (or dropped) to fit the vocabulary' },
  'set-rows': { label: 'set rows', text: 'rows overwritten (repairs, trainable tokens)' },
}
const RECIPE_ORDER: RecipeKind[] = ['lora', 'replace', 'resize-rows', 'set-rows', 'cast', 'copy']

export function estimatedSeconds(plan: Plan): number {
  return (plan.estimates.bytesRead + plan.estimates.bytesWritten) / CONSERVATIVE_BYTES_PER_SEC
}

/** The tensors the plan changes: everything but a plain byte copy. */
export function changedTensors(plan: Plan): TensorPlan[] {
  return plan.tensors.filter((t) => !(t.recipe.length === 1 && t.recipe[0] === 'copy'))
}

export function recipeCounts(plan: Plan): [RecipeKind, number][] {
  const n = new Map<RecipeKind, number>()
  for (const t of plan.tensors) for (const r of t.recipe.length ? t.recipe : (['copy'] as RecipeKind[])) n.set(r, (n.get(r) ?? 0) + 1)
  return RECIPE_ORDER.filter((r) => n.has(r)).map((r) => [r, n.get(r)!])
}

/** The preflight: what will be written, changed and decided, with warnings and estimates. Nothing is written yet. */
export function PlanView({ plan }: { plan: Plan }) {
  const changed = useMemo(() => changedTensors(plan), [plan])
  const counts = recipeCounts(plan)
  const e = plan.estimates
  return (
    <div className="plan">
      <p className="plan-title">{plan.title}</p>
      <p className="subtle">
        Output <span className="mono">{plan.output.dir}</span> · {plan.output.shards.length === 1 ? '1 file' : `${plan.output.shards.length} shards`} · dtype {plan.output.dtype === 'keep' ? 'as the input' : plan.output.dtype}
      </p>

      {plan.errors?.length ? (
        <div className="plan-errors" role="alert" aria-label="Problems that stop this plan">
          <p className="plan-errors-head">This plan cannot run:</p>
          <ul>
            {plan.errors.map((e, i) => (
              <li key={i}>
                {e.message}
                {e.hint ? <span className="subtle"> {e.hint}</span> : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <NoteList kind="warning" notes={plan.warnings} empty={plan.errors?.length ? 'No other warnings.' : 'No warnings.'} />
      <NoteList kind="decision" notes={plan.decisions} empty="No automatic decisions: Graft does exactly what you asked." />

      {plan.adapters?.length ? <AdaptersTable adapters={plan.adapters} /> : null}

      <div className="plan-grid">
        <section className="plan-card" aria-labelledby="plan-recipes">
          <h3 id="plan-recipes">Tensors by recipe</h3>
          <ul className="recipe-counts">
            {counts.map(([r, n]) => (
              <li key={r} className={`recipe-count recipe-${r}`} title={RECIPE_INFO[r].text}>
                <span className="recipe-n">{formatInt(n)}</span>
                <span className="recipe-name">{RECIPE_INFO[r].label}</span>
                <span className="recipe-text">{RECIPE_INFO[r].text}</span>
              </li>
            ))}
          </ul>
          <p className="subtle">{formatInt(plan.tensors.length)} tensors in all; {formatInt(changed.length)} change.</p>
        </section>
        <section className="plan-card" aria-labelledby="plan-estimates">
          <h3 id="plan-estimates">Estimates</h3>
          <dl className="estimates">
            <div>
              <dt>Disk space needed</dt>
              <dd>{formatBytes(e.bytesWritten)}</dd>
            </div>
            <div>
              <dt>Read from inputs</dt>
              <dd>{formatBytes(e.bytesRead)}</dd>
            </div>
            <div>
              <dt>Peak memory</dt>
              <dd>{formatBytes(e.peakMemoryBytes)}</dd>
            </div>
            <div>
              <dt>Time (at 200 MB/s)</dt>
              <dd>about {formatDuration(Math.max(1, estimatedSeconds(plan)))}</dd>
            </div>
          </dl>
        </section>
      </div>

      <ChangedTensors tensors={changed} />

      {plan.files.length ? (
        <details className="plan-files">
          <summary>Files written besides the weights ({plan.files.length})</summary>
          <ul>
            {plan.files.map((f) => (
              <li key={f.path}>
                <span className="mono">{f.path}</span> <span className="subtle">— {f.kind === 'copy' ? 'copied' : 'written'}: {f.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  )
}

export function NoteList({ kind, notes, empty }: { kind: 'warning' | 'decision'; notes: PlanNote[]; empty?: string }) {
  const title = kind === 'warning' ? 'Warnings' : 'Decisions Graft made'
  if (notes.length === 0) return empty ? <p className={`notes-empty notes-empty-${kind}`}>{empty}</p> : null
  return (
    <section className={`notes notes-${kind}`} aria-label={title} role={kind === 'warning' ? 'note' : undefined}>
      <h3>
        {kind === 'warning' ? '⚠ ' : ''}
        {title} ({notes.length})
      </h3>
      <ul>
        {notes.map((n, i) => (
          <li key={`${n.code}-${i}`}>
            <span className="note-code">{n.code.replace(/_/g, ' ').toLowerCase()}</span>
            <span>{n.message}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}

const num = (x: number) => String(+x.toPrecision(6))

/** Each adapter's path, weight, r, alpha and scale s (per rank/alpha group when patterns differ), and its flags. */
export function AdaptersTable({ adapters }: { adapters: PlanAdapter[] }) {
  return (
    <section className="plan-adapters" aria-labelledby="plan-adapters">
      <h3 id="plan-adapters">Adapters ({adapters.length})</h3>
      <div className="table-wrap">
        <table className="tensor-table">
          <thead>
            <tr>
              <th scope="col">Adapter</th>
              <th scope="col">Weight</th>
              <th scope="col">r</th>
              <th scope="col">lora_alpha</th>
              <th scope="col" title="alpha/r, or alpha/√r with rsLoRA; the merge adds weight·s·B·A">
                Scale s
              </th>
              <th scope="col">Modules</th>
              <th scope="col">Variant</th>
            </tr>
          </thead>
          <tbody>
            {adapters.flatMap((a, i) => {
              const groups = a.groups.length ? a.groups : [null]
              const flags = [a.useRslora ? 'rsLoRA' : '', a.useDora ? 'DoRA' : ''].filter(Boolean).join(', ') || 'LoRA'
              return groups.map((g, k) => (
                <tr key={`${i}-${k}`}>
                  {k === 0 ? (
                    <>
                      <td className="mono" rowSpan={groups.length}>
                        {a.path}
                      </td>
                      <td rowSpan={groups.length} className={a.weight === 1 ? undefined : 'weight-unusual'}>
                        {num(a.weight)}
                      </td>
                    </>
                  ) : null}
                  <td>{g ? g.rank : a.configR}</td>
                  <td>{num(g ? g.alpha : a.loraAlpha)}</td>
                  <td>{g ? num(g.scale) : '—'}</td>
                  <td>
                    {g ? `${g.modules} LoRA` : 'no LoRA'}
                    {k === 0 && a.fullTensors ? ` · ${a.fullTensors} replaced` : ''}
                  </td>
                  {k === 0 ? <td rowSpan={groups.length}>{flags}</td> : null}
                </tr>
              ))
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function ChangedTensors({ tensors }: { tensors: TensorPlan[] }) {
  const [filter, setFilter] = useState('')
  const q = useDeferredValue(filter.trim().toLowerCase())
  const rows = useMemo(() => (q ? tensors.filter((t) => `${t.name} ${t.recipe.join(' ')} ${t.note ?? ''}`.toLowerCase().includes(q)) : tensors), [tensors, q])
  if (tensors.length === 0) return <p className="subtle">No tensor changes: every tensor is copied byte for byte.</p>
  return (
    <section className="changed" aria-labelledby="plan-changed">
      <div className="tensors-bar">
        <h3 id="plan-changed">Changed tensors ({formatInt(tensors.length)})</h3>
        <label className="sr-only" htmlFor="plan-changed-filter">
          Filter changed tensors
        </label>
        <input id="plan-changed-filter" type="search" placeholder="Filter by name or recipe" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <div className="table-wrap scroll-y">
        <table className="tensor-table">
          <thead>
            <tr>
              <th scope="col">Tensor</th>
              <th scope="col">Recipe</th>
              <th scope="col">Shape</th>
              <th scope="col">Dtype</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, MAX_LISTED).map((t) => {
              const from = t.source && t.source.shape.join() !== t.shape.join() ? t.source.shape : null
              return (
                <tr key={t.name}>
                  <td className="mono">{t.name}</td>
                  <td>
                    {t.recipe.map((r) => (
                      <span key={r} className={`chip recipe-${r}`} title={RECIPE_INFO[r].text}>
                        {RECIPE_INFO[r].label}
                      </span>
                    ))}
                  </td>
                  <td className="mono">{from ? `${formatShape(from)} → ${formatShape(t.shape)}` : formatShape(t.shape)}</td>
                  <td>{t.dtype}</td>
                  <td className="subtle">{t.note ?? ''}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {rows.length > MAX_LISTED ? <p className="subtle">…and {formatInt(rows.length - MAX_LISTED)} more; type in the filter to find one.</p> : null}
      {rows.length === 0 ? <p className="subtle">No changed tensor matches “{filter}”.</p> : null}
    </section>
  )
}
