import { useEffect, useState, type ReactNode } from 'react'
import { call } from '../../lib/api'
import { appInfo } from '../../lib/app-info'
import { useFolderDrop } from '../../lib/use-folder-drop'

export interface Suggestion {
  value: string
  label?: string
}

/**
 * A folder path input with suggestions (Library entries, recent folders), a drop target for a
 * folder dragged from the file manager (see lib/use-folder-drop.ts) and, in the desktop app, a
 * Browse… button. Paths are typed in full: absolute, or starting with ~/.
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
  /** Dropped folders (absolute paths, at least one); by default the first becomes the value. */
  onDropPaths?: (paths: string[]) => void
}) {
  const { id, label, value, onChange, suggestions = [], placeholder, hint, error, disabled, after, onDropPaths } = props
  const [browse, setBrowse] = useState(false)
  const drop = useFolderDrop((paths) => (onDropPaths ? onDropPaths(paths) : onChange(paths[0])), !disabled)
  useEffect(() => {
    let live = true
    void appInfo().then((i) => live && setBrowse(i?.mode === 'electron'))
    return () => {
      live = false
    }
  }, [])
  const pick = async () => {
    const r = await call('library.pickFolder', {}).catch(() => ({ path: null }))
    if (r.path) onChange(r.path)
  }
  const edit = (v: string) => {
    drop.clearMessage()
    onChange(v)
  }
  const seen = new Set<string>()
  const unique = suggestions.filter((s) => (seen.has(s.value) ? false : (seen.add(s.value), true)))
  // The drop note answers what the user just did, so it wins over the field's own check until the next edit.
  const shownError = drop.message ?? error
  return (
    <div className={['field', 'drop-target', shownError ? 'invalid' : '', drop.over ? 'drop-over' : ''].filter(Boolean).join(' ')} {...drop.targetProps}>
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
          aria-invalid={shownError ? true : undefined}
          aria-describedby={shownError || hint ? `${id}-note` : undefined}
          onChange={(e) => edit(e.target.value)}
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
      {shownError ? (
        <p className="field-error" id={`${id}-note`} role={drop.message ? 'alert' : undefined}>
          {shownError}
        </p>
      ) : hint ? (
        <p className="field-hint" id={`${id}-note`}>
          {hint}
        </p>
      ) : null}
    </div>
  )
}
