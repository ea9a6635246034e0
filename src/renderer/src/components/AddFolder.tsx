import { useState, type FormEvent } from 'react'
import type { AppInfo } from '../../../shared/api'
import type { ErrorInfo } from '../../../shared/errors'
import { call, errorInfoOf } from '../lib/api'

/** Add a library folder: a native dialog in Electron, a typed path everywhere. */
export function AddFolder({ mode, onAdded, onError }: { mode: AppInfo['mode'] | null; onAdded: (path: string) => void; onError: (e: ErrorInfo | null) => void }) {
  const [path, setPath] = useState('')
  const [busy, setBusy] = useState(false)

  const add = async (p: string) => {
    setBusy(true)
    onError(null)
    try {
      await call('library.addFolder', { path: p })
      setPath('')
      onAdded(p)
    } catch (e) {
      onError(errorInfoOf(e))
    } finally {
      setBusy(false)
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const p = path.trim()
    if (p) void add(p)
  }

  const browse = async () => {
    try {
      const { path: picked } = await call('library.pickFolder', {})
      if (picked) await add(picked)
    } catch (e) {
      onError(errorInfoOf(e))
    }
  }

  return (
    <form className="add-folder" onSubmit={submit} aria-label="Add a folder to the Library">
      <label htmlFor="add-folder-path">Add folder</label>
      <input
        id="add-folder-path"
        type="text"
        spellCheck={false}
        autoComplete="off"
        placeholder="/path/to/models  (absolute, or starting with ~/)"
        value={path}
        onChange={(e) => setPath(e.target.value)}
      />
      <button type="submit" className="btn primary" disabled={busy || path.trim() === ''}>
        Add
      </button>
      {mode === 'electron' ? (
        <button type="button" className="btn" onClick={() => void browse()} disabled={busy}>
          Browse…
        </button>
      ) : null}
    </form>
  )
}
