import { useEffect, useRef, useState, type DragEvent } from 'react'
import { droppedPaths, mayCarryPaths } from './dropped-paths'

/** Shown when a drop carries only Files whose location the browser keeps to itself (web mode). */
export const OPAQUE_DROP_MESSAGE = "Your browser does not reveal the folder's location; paste its path, or use the desktop app."
/** The same in the desktop app, for a File with no path (one made by another page, say). */
const OPAQUE_DESKTOP_MESSAGE = "Graft could not tell where that came from; paste the folder's path."
/** A drop of text that is no path, onto a target that is not a text field. */
const NOT_A_PATH_MESSAGE = 'That is not a folder path: drop folders from your file manager, or a path as text.'

export interface FolderDrop {
  /** Spread on the drop target element. */
  targetProps: {
    onDragOver: (e: DragEvent<HTMLElement>) => void
    onDragLeave: (e: DragEvent<HTMLElement>) => void
    onDrop: (e: DragEvent<HTMLElement>) => void
  }
  /** Something that may hold folder paths is being dragged over the target: highlight it. */
  over: boolean
  /** Why the last drop gave no path, for an inline note; null after a good drop. */
  message: string | null
  clearMessage: () => void
}

/**
 * Makes an element a drop target for folders: `onPaths` gets the absolute paths a drop carries
 * (Electron: the dropped folders, through the preload's pathForFile; a browser: file:// URIs or a
 * path given as text). A drop of bare Files in a browser sets `message` instead of doing nothing.
 * Nested targets work: the innermost one that takes a drag claims it (preventDefault), and the
 * targets around it stand back. Paths are not checked here; the app side validates them.
 */
export function useFolderDrop(onPaths: (paths: string[]) => void, enabled = true): FolderDrop {
  const [over, setOver] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const onPathsRef = useRef(onPaths)
  onPathsRef.current = onPaths
  useEffect(guardWindowOnce, [])

  const onDragOver = (e: DragEvent<HTMLElement>) => {
    if (!enabled || e.isDefaultPrevented() || !mayCarryPaths(e.dataTransfer.types)) {
      setOver(false)
      return
    }
    e.preventDefault()
    e.dataTransfer.dropEffect = dropEffectFor(e.dataTransfer.effectAllowed)
    setOver(true)
  }
  const onDragLeave = (e: DragEvent<HTMLElement>) => {
    const next = e.relatedTarget as Node | null
    if (!next || !e.currentTarget.contains(next)) setOver(false)
  }
  const onDrop = (e: DragEvent<HTMLElement>) => {
    setOver(false)
    if (!enabled || e.isDefaultPrevented() || !mayCarryPaths(e.dataTransfer.types)) return
    const bridge = window.graft?.pathForFile
    const found = droppedPaths<File>(e.dataTransfer, bridge ? (f) => bridge(f) : undefined)
    if (found.paths.length > 0) {
      e.preventDefault()
      setMessage(null)
      onPathsRef.current(found.paths)
    } else if (found.opaqueFiles > 0) {
      e.preventDefault()
      setMessage(bridge ? OPAQUE_DESKTOP_MESSAGE : OPAQUE_DROP_MESSAGE)
    } else if (!isTextField(e.target)) {
      // Text dropped on a text field is the browser's to insert, as typed text.
      e.preventDefault()
      setMessage(NOT_A_PATH_MESSAGE)
    }
  }
  return { targetProps: { onDragOver, onDragLeave, onDrop }, over, message, clearMessage: () => setMessage(null) }
}

/** The first effect the source allows, of copy, link and move (file managers allow some of them). */
function dropEffectFor(allowed: DataTransfer['effectAllowed']): DataTransfer['dropEffect'] {
  if (allowed === 'none') return 'none'
  if (allowed === 'link' || allowed === 'linkMove') return 'link'
  if (allowed === 'move') return 'move'
  return 'copy'
}

function isTextField(t: EventTarget | null): boolean {
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement
}

let guarded = false

/**
 * Files dropped outside every drop target would make the browser leave the app for the file
 * (Electron blocks that navigation; a browser does not). Once per page: such drags are refused
 * (dropEffect none) and such drops cancelled. Text drops are left to the page.
 */
function guardWindowOnce(): void {
  if (guarded) return
  guarded = true
  const hasFiles = (e: globalThis.DragEvent) => !e.defaultPrevented && !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files')
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return
    e.preventDefault()
    e.dataTransfer!.dropEffect = 'none'
  })
  window.addEventListener('drop', (e) => {
    if (hasFiles(e)) e.preventDefault()
  })
}
