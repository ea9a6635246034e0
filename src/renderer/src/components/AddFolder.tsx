import { useState, type FormEvent } from 'react'
import type { AppInfo } from '../../../shared/api'
import type { ErrorInfo } from '../../../shared/errors'
import { call, errorInfoOf } from '../lib/api'
import { useFolderDrop } from '../lib/use-folder-drop'

/** Add a library folder: a native dialog in Electron, a typed path everywhere, or folders dropped from the file manager. */
export function AddFolder({ mode, onAdded, onError }: { mode: AppInfo['mode'] | null; onAdded: (path: string) => void; onError: (e: ErrorInfo | null) => void }) {
  const [path, setPath] = useState('')
  const [busy, setBusy] = useState(false)

  /** Adds one folder; false when the app refused it (the error is shown). */
  const add = async (p: string): Promise<boolean> => {
    setBusy(true)
    onError(null)
    try {
      await call('library.addFolder', { path: p })
      setPath('')
      onAdded(p)
      return true
    } catch (e) {
      onError(errorInfoOf(e))
      return false
    } finally {
      setBusy(false)
    }
  }

  const drop = useFolderDrop((paths) => {
    void (async () => {
      for (const p of paths) if (!(await add(p))) break
    })()
  }, !busy)

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
    <>
      <form className={drop.over ? 'add-folder drop-target drop-over' : 'add-folder drop-target'} onSubmit={submit} aria-label="Add a folder to the Library" {...drop.targetProps}>
        <label htmlFor="add-folder-path">Add folder</label>
        <input
          id="add-folder-path"
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="/path/to/models  (absolute, or starting with ~/), or drop folders here"
          value={path}
          onChange={(e) => {
            drop.clearMessage()
            setPath(e.target.value)
          }}
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
      {drop.message ? (
        <p className="field-error add-folder-note" role="alert">
          {drop.message}
        </p>
      ) : null}
    </>
  )
}
