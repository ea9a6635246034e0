import { useId, useState } from 'react'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'
import { useAppInfo } from '../../lib/app-info'
import { CopyPathButton } from './CopyPathButton'

/**
 * "Open folder": shows an output folder in the system file manager (app.openFolder; the app side
 * checks it is an existing folder). Disabled, with the reason written beside it, where Graft
 * cannot open a file manager (app.info's canOpenFolders); a failure shows inline beside it. A
 * "Copy path" button sits next to it either way (in web mode the file manager would be the server's).
 */
export function OpenFolderButton({ path, small = false }: { path: string; small?: boolean }) {
  const info = useAppInfo()
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [busy, setBusy] = useState(false)
  const noteId = useId()
  const can = info?.canOpenFolders === true
  const open = async () => {
    setBusy(true)
    setError(null)
    try {
      await call('app.openFolder', { path })
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setBusy(false)
    }
  }
  const className = small ? 'btn small' : 'btn'
  if (!can) {
    const why = info ? (info.openFoldersNote ?? 'Graft cannot open a file manager here.') : 'Checking whether Graft can open a file manager…'
    // A disabled button shows no tooltip in every browser: the wrapper carries it.
    return (
      <span className="open-folder" title={why}>
        <button type="button" className={className} disabled aria-describedby={noteId}>
          Open folder
        </button>
        <CopyPathButton path={path} small={small} />
        <span id={noteId} className="open-folder-note">
          Open folder is off: {why}
        </span>
      </span>
    )
  }
  return (
    <span className="open-folder">
      <button type="button" className={className} onClick={() => void open()} disabled={busy} title={`Show ${path} in the file manager`}>
        Open folder
      </button>
      <CopyPathButton path={path} small={small} />
      {error ? (
        <span className="open-folder-error" role="alert">
          {error.message}
          {error.hint ? ` ${error.hint}` : ''}
        </span>
      ) : null}
    </span>
  )
}
