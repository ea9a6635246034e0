import { useEffect, useState, type ReactNode } from 'react'
import { call } from '../../lib/api'

let electronMode: Promise<boolean> | null = null
/** Whether a native folder dialog exists (Electron); asked once. */
function hasFolderDialog(): Promise<boolean> {
  electronMode ??= call('app.info', {}).then(
    (i) => i.mode === 'electron',
    () => false,
  )
  return electronMode
}

export interface Suggestion {
  value: string
  label?: string
}

/**
 * A folder path input with suggestions (Library entries, recent folders) and, in the desktop app,
 * a Browse… button. Paths are typed in full: absolute, or starting with ~/.
 */
export function PathField(props: {
  id: string
  label: string
  value: string
  onChange: (v: string) => void
  suggestions?: Suggestion[]
  placeholder?: string
  hint?: ReactNode
  error?: string | null
  disabled?: boolean
  /** Extra controls after the input (e.g. a remove button). */
  after?: ReactNode
}) {
  const { id, label, value, onChange, suggestions = [], placeholder, hint, error, disabled, after } = props
  const [browse, setBrowse] = useState(false)
  useEffect(() => {
    let live = true
    void hasFolderDialog().then((b) => live && setBrowse(b))
    return () => {
      live = false
    }
  }, [])
  const pick = async () => {
    const r = await call('library.pickFolder', {}).catch(() => ({ path: null }))
    if (r.path) onChange(r.path)
  }
  const seen = new Set<string>()
  const unique = suggestions.filter((s) => (seen.has(s.value) ? false : (seen.add(s.value), true)))
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type="text"
          className="path-input"
          list={unique.length ? `${id}-suggestions` : undefined}
          spellCheck={false}
          autoComplete="off"
          placeholder={placeholder ?? '/path/to/folder  (absolute, or starting with ~/)'}
          value={value}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={error || hint ? `${id}-note` : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
        {browse ? (
          <button type="button" className="btn" onClick={() => void pick()} disabled={disabled}>
            Browse…
          </button>
        ) : null}
        {after}
      </div>
      {unique.length ? (
        <datalist id={`${id}-suggestions`}>
          {unique.map((s) => (
            <option key={s.value} value={s.value} label={s.label} />
          ))}
        </datalist>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-note`}>
          {error}
        </p>
      ) : hint ? (
        <p className="field-hint" id={`${id}-note`}>
          {hint}
        </p>
      ) : null}
    </div>
  )
}
