import { useEffect, useRef, useState } from 'react'
import type { HubResolveBaseResult, JobInfo, MergeParams, PlannedJobRequest } from '../../../../shared/api'
import { call, errorInfoOf } from '../../lib/api'
import { describeBase, type BaseCheck } from './describe-base'
import { suggestBase } from './suggest-base'
import type { Navigate, NavRequest } from '../flow/nav'
import { OperationFlow } from '../flow/OperationFlow'
import { PathField } from '../flow/PathField'
import { baseName, isAbsolutePath } from '../flow/paths'
import { entrySuggestions, useLibrary } from '../flow/use-library'
import { useOutput } from '../flow/use-output'
import { useFolderDrop } from '../../lib/use-folder-drop'
import '../flow/flow.css'
import './merge.css'

/** Output shard limits offered (decimal units, as Hugging Face's "5GB"). */
const SHARD_CHOICES: { label: string; bytes: number | undefined }[] = [
  { label: 'Like the base', bytes: undefined },
  { label: '2 GB', bytes: 2e9 },
  { label: '5 GB', bytes: 5e9 },
  { label: '10 GB', bytes: 10e9 },
  { label: '50 GB', bytes: 50e9 },
]

interface AdapterRow {
  key: number
  dir: string
  weight: string
}

/** Rows with `dirs` added: each fills the first empty row, or a new one; folders already listed are skipped. */
function placeAdapters(rows: AdapterRow[], dirs: string[], newKey: () => number): AdapterRow[] {
  const next = [...rows]
  for (const dir of dirs) {
    if (next.some((r) => r.dir.trim() === dir)) continue
    const empty = next.findIndex((r) => r.dir.trim() === '')
    if (empty >= 0) next[empty] = { ...next[empty], dir }
    else next.push({ key: newKey(), dir, weight: '1' })
  }
  return next
}

/** Merge LoRA adapters into a base: choose, review the preflight plan, run with progress, verify. */
export function MergeScreen({ request, jobs, navigate, active }: { request: NavRequest<'merge'>; jobs: JobInfo[]; navigate: Navigate; active: boolean }) {
  const lib = useLibrary(active)
  const [base, setBase] = useState('')
  const [adapters, setAdapters] = useState<AdapterRow[]>([{ key: 0, dir: '', weight: '1' }])
  const [dtype, setDtype] = useState<NonNullable<MergeParams['dtype']>>('keep')
  const [shard, setShard] = useState(0)
  const nextKey = useRef(1)
  const output = useOutput(base, 'merged', lib.recent, [base, ...adapters.map((a) => a.dir)])
  const [baseCheck, setBaseCheck] = useState<BaseCheck | null>(null)
  const [resolved, setResolved] = useState<HubResolveBaseResult | null>(null)

  useEffect(() => {
    if (!request) return
    if (request.base) setBase(request.base)
    if (request.adapter) {
      const dir = request.adapter
      setAdapters((rows) => {
        if (rows.some((r) => r.dir === dir)) return rows
        const empty = rows.findIndex((r) => r.dir.trim() === '')
        if (empty >= 0) return rows.map((r, i) => (i === empty ? { ...r, dir } : r))
        return [...rows, { key: nextKey.current++, dir, weight: '1' }]
      })
    }
  }, [request])

  const setRow = (key: number, patch: Partial<AdapterRow>) => setAdapters((rows) => rows.map((r) => (r.key === key ? { ...r, ...patch } : r)))
  const addRow = (dir = '') => setAdapters((rows) => [...rows, { key: nextKey.current++, dir, weight: '1' }])
  const removeRow = (key: number) => setAdapters((rows) => (rows.length > 1 ? rows.filter((r) => r.key !== key) : [{ ...rows[0], dir: '', weight: '1' }]))
  const useAdapter = (dir: string) => {
    const empty = adapters.find((r) => r.dir.trim() === '')
    if (empty) setRow(empty.key, { dir })
    else addRow(dir)
  }
  const newKey = () => nextKey.current++
  /** Folders dropped on the adapter list: every one is added. */
  const addAdapters = (dirs: string[]) => setAdapters((rows) => placeAdapters(rows, dirs, newKey))
  /** Folders dropped on one adapter's field: the first goes there, the others are added. */
  const dropOnRow = (key: number, dirs: string[]) => setAdapters((rows) => placeAdapters(rows.map((r) => (r.key === key ? { ...r, dir: dirs[0] } : r)), dirs.slice(1), newKey))
  const adapterDrop = useFolderDrop(addAdapters)

  const libAdapters = (lib.entries ?? []).filter((e) => !e.error && e.kind === 'adapter')
  const chosen = new Set(adapters.map((a) => a.dir.trim()))

  // The Base field checks its folder as you type (model.inspect): a summary, or what is wrong.
  const b0 = base.trim()
  useEffect(() => {
    setBaseCheck(null)
    if (!b0 || !isAbsolutePath(b0)) return
    let live = true
    const t = setTimeout(() => {
      call('model.inspect', { path: b0 }).then(
        (s) => live && setBaseCheck(describeBase(b0, { entry: s.entry })),
        (e) => live && setBaseCheck(describeBase(b0, { error: errorInfoOf(e) })),
      )
    }, 300)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [b0])
  const baseError = b0 && !isAbsolutePath(b0) ? 'Type the full path of the folder (absolute, or starting with ~/).' : baseCheck && !baseCheck.ok ? `${baseCheck.message}${baseCheck.hint ? ` ${baseCheck.hint}` : ''}` : null

  // The first adapter's base_model_name_or_path, looked up on this machine (hub.resolveBase reads only the disk).
  const firstAdapter = adapters.map((a) => a.dir.trim()).find((d) => d !== '' && isAbsolutePath(d)) ?? ''
  useEffect(() => {
    setResolved(null)
    if (!firstAdapter) return
    let live = true
    const t = setTimeout(() => {
      call('hub.resolveBase', { adapterDir: firstAdapter }).then(
        (r) => live && setResolved(r),
        () => {},
      )
    }, 300)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [firstAdapter])
  const suggestion = resolved ? suggestBase(resolved, lib.entries) : null
  const libModels = (lib.entries ?? []).filter((e) => !e.error && e.kind === 'model' && e.path !== b0 && e.path !== suggestion?.path)
  const baseSuggestions = [...(suggestion?.path ? [{ value: suggestion.path, label: `${suggestion.name} · named by the adapter` }] : []), ...entrySuggestions(lib.entries, ['model'])]

  const build = (): PlannedJobRequest | string | { message: string; hint?: string } => {
    const b = base.trim()
    if (!b) return 'Choose the base model.'
    if (!isAbsolutePath(b)) return 'The base model: type the full path of its folder (absolute, or starting with ~/).'
    if (baseCheck && !baseCheck.ok) return { message: `The base model: ${baseCheck.message}`, hint: baseCheck.hint }
    const list = adapters.filter((a) => a.dir.trim() !== '')
    if (list.length === 0) return 'Choose at least one adapter.'
    const out: MergeParams['adapters'] = []
    for (const a of list) {
      if (!isAbsolutePath(a.dir.trim())) return `Adapter ${a.dir}: type the full path of its folder.`
      const w = Number(a.weight.trim())
      if (a.weight.trim() === '' || !Number.isFinite(w)) return `Adapter ${baseName(a.dir)}: the weight must be a number (1 merges it fully).`
      out.push(w === 1 ? { dir: a.dir.trim() } : { dir: a.dir.trim(), weight: w })
    }
    const o = output.out.trim()
    if (!isAbsolutePath(o)) return 'Choose an output folder: an absolute path (or one starting with ~/).'
    const maxShardBytes = SHARD_CHOICES[shard].bytes
    return { kind: 'merge', params: { base: b, adapters: out, out: o, ...(dtype !== 'keep' ? { dtype } : {}), ...(maxShardBytes ? { maxShardBytes } : {}) } }
  }

  return (
    <section className="screen" aria-labelledby="merge-title">
      <header className="screen-head">
        <div>
          <h1 id="merge-title">Merge</h1>
          <p className="subtle">Merge LoRA adapters into their base model, streamed from disk to disk. You see the plan before anything is written.</p>
        </div>
      </header>
      <div className="panel">
        <OperationFlow
          id="merge"
          jobs={jobs}
          build={build}
          runLabel="Merge"
          onStartOver={output.advance}
          onInspect={(path) => navigate({ screen: 'inspect', path })}
          onContinue={(path) => (setBase(path), setAdapters([{ key: nextKey.current++, dir: '', weight: '1' }]))}
          form={
            <div className="form-grid">
              <div className="span-2">
                <PathField
                  id="merge-base"
                  label="Base model"
                  value={base}
                  onChange={setBase}
                  suggestions={baseSuggestions}
                  error={baseError}
                  hint={
                    baseCheck?.ok ? (
                      <span className="base-ok">
                        {baseCheck.text}
                        {suggestion?.path === b0 ? ` · the base ${suggestion.name} the adapter names` : ''}
                      </span>
                    ) : (
                      'The model the adapters were trained on (config.json and *.safetensors); you can also drop its folder here.'
                    )
                  }
                />
                {(suggestion && suggestion.path !== b0) || libModels.length ? (
                  <div className="adapter-tools base-tools">
                    {suggestion && suggestion.path !== b0 ? (
                      <span className="base-named" role="status">
                        The adapter names <span className="mono">{suggestion.name}</span> — {suggestion.where}.
                        {suggestion.path ? (
                          <button type="button" className="btn small primary" onClick={() => setBase(suggestion.path ?? '')} title={suggestion.path}>
                            Use it as the base
                          </button>
                        ) : (
                          <span className="subtle"> Download it on the Hub screen, or choose its folder.</span>
                        )}
                      </span>
                    ) : null}
                    {libModels.length ? <span className="subtle">From the Library:</span> : null}
                    {libModels.slice(0, 6).map((e) => (
                      <button key={e.path} type="button" className="btn small chip-btn" onClick={() => setBase(e.path)} title={e.path}>
                        + {e.name}
                      </button>
                    ))}
                  </div>
                ) : null}
              </div>
              <fieldset className={adapterDrop.over ? 'field span-2 adapters drop-target drop-over' : 'field span-2 adapters drop-target'} {...adapterDrop.targetProps}>
                <legend>Adapters</legend>
                {adapters.map((a, i) => (
                  <div key={a.key} className="adapter-row">
                    <PathField
                      id={`merge-adapter-${a.key}`}
                      label={`Adapter ${i + 1}`}
                      value={a.dir}
                      onChange={(dir) => setRow(a.key, { dir })}
                      onDropPaths={(dirs) => dropOnRow(a.key, dirs)}
                      suggestions={entrySuggestions(lib.entries, ['adapter'])}
                      placeholder="/path/to/adapter  (adapter_config.json + adapter_model.safetensors)"
                      after={
                        <>
                          <label className="weight" htmlFor={`merge-weight-${a.key}`}>
                            Weight
                          </label>
                          <input id={`merge-weight-${a.key}`} className="weight-input" type="number" step="0.1" value={a.weight} onChange={(e) => setRow(a.key, { weight: e.target.value })} aria-label={`Weight of adapter ${i + 1}`} />
                          <button type="button" className="btn quiet" onClick={() => removeRow(a.key)} aria-label={`Remove adapter ${i + 1}`} title="Remove">
                            ✕
                          </button>
                        </>
                      }
                    />
                  </div>
                ))}
                <div className="adapter-tools">
                  <button type="button" className="btn small" onClick={() => addRow()}>
                    + Add another adapter
                  </button>
                  {libAdapters.filter((e) => !chosen.has(e.path)).length ? <span className="subtle">From the Library:</span> : null}
                  {libAdapters
                    .filter((e) => !chosen.has(e.path))
                    .slice(0, 8)
                    .map((e) => (
                      <button key={e.path} type="button" className="btn small chip-btn" onClick={() => useAdapter(e.path)} title={e.path}>
                        + {e.name}
                        {e.adapter?.r ? <span className="subtle"> · r {e.adapter.r}</span> : null}
                      </button>
                    ))}
                </div>
                {adapterDrop.message ? (
                  <p className="field-error" role="alert">
                    {adapterDrop.message}
                  </p>
                ) : null}
                <p className="field-hint">
                  Each adapter’s change is scaled by its weight and added: W + Σ wᵢ·sᵢ·BᵢAᵢ (1 merges it fully, as merge_and_unload does). Drop adapter folders here to add them.
                </p>
              </fieldset>
              <PathField id="merge-out" label="Output folder" value={output.out} onChange={output.setOut} suggestions={output.suggestions} error={output.error} hint={output.note ?? 'A new folder; written beside it first and moved into place only when complete.'} />
              <div className="field-pair">
                <div className="field">
                  <label htmlFor="merge-dtype">Output dtype</label>
                  <select id="merge-dtype" value={dtype} onChange={(e) => setDtype(e.target.value as NonNullable<MergeParams['dtype']>)}>
                    <option value="keep">Same as the base</option>
                    <option value="BF16">bfloat16</option>
                    <option value="F16">float16</option>
                    <option value="F32">float32</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="merge-shard">Max shard size</label>
                  <select id="merge-shard" value={shard} onChange={(e) => setShard(Number(e.target.value))}>
                    {SHARD_CHOICES.map((c, i) => (
                      <option key={c.label} value={i}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
            </div>
          }
        />
      </div>
    </section>
  )
}
