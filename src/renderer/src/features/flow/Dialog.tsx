import { useEffect, useRef, type ReactNode } from 'react'

/**
 * A modal dialog on the native <dialog>: focus is trapped inside, Escape closes it, and focus goes
 * back to where it was. Children mount only while it is open.
 */
export function Dialog({ id, open, title, onClose, children, wide = false }: { id: string; open: boolean; title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null)
  const onCloseRef = useRef(onClose)
  onCloseRef.current = onClose
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  useEffect(() => {
    const d = ref.current
    const closed = () => onCloseRef.current()
    d?.addEventListener('close', closed)
    return () => d?.removeEventListener('close', closed)
  }, [])
  return (
    <dialog ref={ref} id={id} className={wide ? 'dialog wide' : 'dialog'} aria-labelledby={`${id}-title`}>
      <header className="dialog-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" className="btn small quiet" aria-label="Close" title="Close (Esc)" onClick={() => ref.current?.close()}>
          ✕
        </button>
      </header>
      <div className="dialog-body">{open ? children : null}</div>
    </dialog>
  )
}
