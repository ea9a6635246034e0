import { useEffect, useState } from 'react'
import type { JobInfo, PlannedJobRequest, ResizeParams } from '../../../../shared/api'
import type { VocabTruthTable } from '../../../../shared/vocab'
import { formatInt } from '../../lib/format'
import type { Navigate } from '../flow/nav'
import { OperationFlow } from '../flow/OperationFlow'
import { PathField } from '../flow/PathField'
import { isAbsolutePath } from '../flow/paths'
import type { OutputField } from '../flow/use-output'
import { parsePositiveInt } from './parse-tokens'
import { explainCount } from './explain-count'

type Target = 'size' | 'tokenizer' | 'pad'
type ResizeInit = 'trained-mean' | 'mean' | 'mean-noise' | 'zeros' | 'copy-row'

const INITS: { value: ResizeInit; label: string }[] = [
  { value: 'trained-mean', label: 'Mean of trained rows (default)' },
  { value: 'mean', label: 'Mean of all rows' },
  { value: 'mean-noise', label: 'Mean plus small seeded noise' },
  { value: 'copy-row', label: 'Copy of one token’s row' },
  { value: 'zeros', label: 'Zeros' },
]

/** Resize the embedding (and head): to a size, to the tokenizer's length, or only pad; then plan and run. */
export function ResizeFlow(props: { base: string; baseError: string | null; table: VocabTruthTable | null; output: OutputField; jobs: JobInfo[]; navigate: Navigate; prefill: { newSize?: number; seq: number } | null }) {
  const { base, baseError, table, output, jobs, navigate, prefill } = props
  const [target, setTarget] = useState<Target>('size')
  const [size, setSize] = useState('')
  const [pad, setPad] = useState('')
  const [init, setInit] = useState<ResizeInit>('trained-mean')
  const [seed, setSeed] = useState('0')
  const [row, setRow] = useState('0')
  const [allowShrink, setAllowShrink] = useState(false)

  useEffect(() => {
    if (!prefill) return
    if (prefill.newSize !== undefined) {
      if (table?.tokenizerSize === prefill.newSize) setTarget('tokenizer')
      else setTarget('size')
      setSize(String(prefill.newSize))
    }
    // Prefill once per request; the table may arrive later.
  }, [prefill])

  const rows = table?.embedRows ?? null
  const padN = parsePositiveInt(pad)
  const wanted = target === 'size' ? parsePositiveInt(size) : target === 'tokenizer' ? (table?.tokenizerSize ?? null) : rows
  const finalRows = wanted !== null && !Number.isNaN(wanted) ? (padN && !Number.isNaN(padN) ? Math.ceil(wanted / padN) * padN : wanted) : null
  const shrinking = rows !== null && finalRows !== null && finalRows < rows

  const build = (): PlannedJobRequest | string => {
    if (baseError) return baseError
    if (Number.isNaN(padN)) return `${explainCount('Pad to a multiple of', pad)} Or leave it empty.`
    let newSize: number | undefined
    if (target === 'size') {
      const n = parsePositiveInt(size)
      if (n === null || Number.isNaN(n)) return explainCount('New size', size) ?? 'New size: type the number of rows the embedding should have.'
      newSize = n
    } else if (target === 'tokenizer') {
      if (!table?.tokenizerSize) return 'The tokenizer length is not known for this folder (no readable tokenizer.json); type a size instead.'
      newSize = table.tokenizerSize
    } else if (!padN) return 'Only padding: type the multiple to pad to.'
    if (shrinking && !allowShrink) return `That drops ${formatInt(rows! - finalRows!)} rows. Tick “Allow shrinking” if you mean it.`
    if (init === 'copy-row' && !/^\d+$/.test(row.trim())) return 'Copy of one token’s row: type the token id whose row to copy.'
    const initParam: ResizeParams['init'] = init === 'copy-row' ? { kind: 'copy-row', row: Number(row.trim()) } : init
    const s = Number(seed.trim() || '0')
    if (init === 'mean-noise' && !/^\d+$/.test(seed.trim() || '0')) return 'Seed: a whole number (the same seed gives the same noise).'
    const out = output.out.trim()
    if (!isAbsolutePath(out)) return 'Choose an output folder: an absolute path (or one starting with ~/).'
    return {
      kind: 'resize',
      params: { base: base.trim(), out, init: initParam, ...(newSize !== undefined ? { newSize } : {}), ...(padN ? { padToMultipleOf: padN } : {}), ...(init === 'mean-noise' ? { seed: s } : {}), ...(allowShrink ? { allowShrink } : {}) },
    }
  }

  return (
    <OperationFlow
      id="resize"
      jobs={jobs}
      build={build}
      runLabel="Resize"
      onStartOver={output.advance}
      onInspect={(path, newFrom) => navigate({ screen: 'inspect', path, newFrom })}
      onContinue={(path) => navigate({ screen: 'tokens', base: path })}
      form={
        <div className="form-grid">
          <fieldset className="field span-2">
            <legend>New number of rows</legend>
            <div className="target-options">
              <label>
                <input type="radio" name="resize-target" checked={target === 'size'} onChange={() => setTarget('size')} /> Size
                <input type="text" inputMode="numeric" aria-label="New size" className="size-input" placeholder={rows !== null ? String(rows) : 'e.g. 32064'} value={size} onFocus={() => setTarget('size')} onChange={(e) => setSize(e.target.value)} aria-invalid={target === 'size' && size.trim() !== '' && explainCount('New size', size) ? true : undefined} aria-describedby={target === 'size' && size.trim() !== '' && explainCount('New size', size) ? 'resize-size-error' : undefined} />
              </label>
              <label>
                <input type="radio" name="resize-target" checked={target === 'tokenizer'} onChange={() => setTarget('tokenizer')} disabled={!table?.tokenizerSize} /> Tokenizer length
                <span className="subtle">{table?.tokenizerSize ? ` (${formatInt(table.tokenizerSize)})` : ' (unknown)'}</span>
              </label>
              <label>
                <input type="radio" name="resize-target" checked={target === 'pad'} onChange={() => setTarget('pad')} /> Keep the size, only pad
              </label>
            </div>
            {target === 'size' && size.trim() !== '' && explainCount('New size', size) ? (
              <p className="field-error" id="resize-size-error">
                {explainCount('New size', size)}
              </p>
            ) : null}
            <p className="field-hint">
              {rows !== null ? `Now ${formatInt(rows)} rows` : 'Current size unknown'}
              {finalRows !== null && rows !== null ? ` → ${formatInt(finalRows)} rows${finalRows > rows ? ` (+${formatInt(finalRows - rows)})` : finalRows < rows ? ` (−${formatInt(rows - finalRows)})` : ' (no change)'}` : ''}.
            </p>
          </fieldset>
          <div className="field">
            <label htmlFor="resize-pad">Pad to a multiple of</label>
            <input id="resize-pad" type="text" inputMode="numeric" placeholder="none (e.g. 64)" value={pad} onChange={(e) => setPad(e.target.value)} aria-invalid={Number.isNaN(padN) ? true : undefined} />
          </div>
          <div className="field">
            <label htmlFor="resize-init">New rows start as</label>
            <select id="resize-init" value={init} onChange={(e) => setInit(e.target.value as ResizeInit)}>
              {INITS.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
            {init === 'zeros' ? <p className="field-warn">⚠ Zero rows are untrained: they give 0 logits and can turn training into NaNs. Prefer a mean.</p> : null}
            {init === 'mean-noise' ? (
              <label className="inline-field">
                Seed <input type="text" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
              </label>
            ) : null}
            {init === 'copy-row' ? (
              <label className="inline-field">
                Token id <input type="text" inputMode="numeric" value={row} onChange={(e) => setRow(e.target.value)} />
              </label>
            ) : null}
          </div>
          <div className="field span-2">
            <label className="check-label">
              <input type="checkbox" checked={allowShrink} onChange={(e) => setAllowShrink(e.target.checked)} /> Allow shrinking (drops the last rows; their trained values are lost)
            </label>
            {shrinking && !allowShrink ? <p className="field-warn">This size is smaller than the current {formatInt(rows)} rows: Graft refuses to shrink unless you allow it.</p> : null}
          </div>
          <PathField id="resize-out" label="Output folder" value={output.out} onChange={output.setOut} suggestions={output.suggestions} error={output.error} hint={output.note ?? 'A new folder; the base is never changed.'} />
        </div>
      }
    />
  )
}
