import { useEffect, useState } from 'react'
import { copyText } from '../../lib/copy-text'

/** How long "Copied" shows before the button reads "Copy path" again. */
const COPIED_NOTE_MS = 2000

/** "Copy path": the folder's path onto the clipboard, for a file manager or a terminal on the user's side. */
export function CopyPathButton({ path, small = false }: { path: string; small?: boolean }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  useEffect(() => {
    if (state === 'idle') return
    const t = setTimeout(() => setState('idle'), COPIED_NOTE_MS)
    return () => clearTimeout(t)
  }, [state])
  return (
    <>
      <button type="button" className={small ? 'btn small' : 'btn'} onClick={() => void copyText(path).then((ok) => setState(ok ? 'copied' : 'failed'))} title={`Copy ${path}`}>
        {state === 'copied' ? 'Copied ✓' : 'Copy path'}
      </button>
      <span className="sr-only" role="status">
        {state === 'copied' ? `Copied ${path}` : ''}
      </span>
      {state === 'failed' ? <span className="open-folder-error">The browser refused the clipboard; select the path above and copy it.</span> : null}
    </>
  )
}
