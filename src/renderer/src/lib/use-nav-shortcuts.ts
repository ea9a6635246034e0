import { useEffect, useState } from 'react'
import { getTransport } from './api'
import { digitShortcut, isTextEntry, matchNavKey, MAX_DIGIT_SCREENS, screenLetters, screenTooltip, type ShortcutMode } from './nav-keys'

/** How long "g" waits for its letter. */
const G_TIMEOUT_MS = 1500

/** One sidebar screen with the ways to open it, for the shortcuts help. */
export interface ScreenShortcut {
  label: string
  /** The digit shortcut as people read it (Ctrl+3, ⌥3), or null past the ninth screen. */
  digit: string | null
  /** The letter after "g", or null. */
  letter: string | null
}

export interface NavShortcuts {
  mode: ShortcutMode
  mac: boolean
  screens: ScreenShortcut[]
  helpOpen: boolean
  setHelpOpen: (open: boolean) => void
}

/**
 * Keyboard navigation of the sidebar (see nav-keys.ts): Ctrl/Cmd+1…9 in the desktop app,
 * Alt/Option+1…9 in a browser (which keeps Ctrl+1…8 for its tabs), "g" then a screen's letter
 * in both, and "?" for the help. The Nth shortcut opens the Nth sidebar button, in the order it
 * shows them, so a screen added to the sidebar gets its shortcuts without a table to keep in
 * step. Each nav button carries its shortcut (aria-keyshortcuts and the tooltip) for this mode.
 * Nothing fires while a modal dialog is open, and only Ctrl/Cmd+digit fires from a text field.
 */
export function useNavShortcuts(navLabel = 'Screens'): NavShortcuts {
  const [helpOpen, setHelpOpen] = useState(false)
  const [screens, setScreens] = useState<ScreenShortcut[]>([])
  const mac = /Mac|iPhone|iPad/.test(navigator.platform)
  const mode: ShortcutMode = getTransport().ws ? 'web' : 'desktop'

  useEffect(() => {
    const buttons = () => [...document.querySelectorAll<HTMLButtonElement>(`nav[aria-label="${navLabel}"] button.nav-item`)]
    // The label is the button's first span (a running-jobs badge may follow it).
    const labelOf = (b: HTMLButtonElement) => (b.querySelector('span')?.textContent ?? b.textContent ?? '').trim()
    let letters: (string | null)[] = []
    const label = () => {
      const bs = buttons()
      const labels = bs.map(labelOf)
      letters = screenLetters(labels)
      bs.forEach((b, i) => {
        const keys = i < MAX_DIGIT_SCREENS ? digitShortcut(mode, mac, i).aria : ''
        const title = screenTooltip(labels[i], mode, mac, i, letters[i])
        if (keys && b.getAttribute('aria-keyshortcuts') !== keys) b.setAttribute('aria-keyshortcuts', keys)
        if (b.title !== title) b.title = title
      })
      setScreens((prev) => {
        const next = labels.map((l, i) => ({ label: l, digit: i < MAX_DIGIT_SCREENS ? digitShortcut(mode, mac, i).text : null, letter: letters[i] }))
        return JSON.stringify(prev) === JSON.stringify(next) ? prev : next
      })
    }
    label()
    const nav = document.querySelector(`nav[aria-label="${navLabel}"]`)
    const mo = nav ? new MutationObserver(label) : null
    if (nav) mo!.observe(nav, { childList: true, subtree: true, characterData: true })

    let pendingG = false
    let gTimer: ReturnType<typeof setTimeout> | undefined
    const clearG = () => {
      pendingG = false
      clearTimeout(gTimer)
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || document.querySelector('dialog[open]')) return clearG()
      if (e.key === 'Shift' || e.key === 'Control' || e.key === 'Alt' || e.key === 'Meta') return
      const typing = isTextEntry(document.activeElement as HTMLElement | null)
      const m = matchNavKey(e, { mac, typing, pendingG, letters })
      clearG()
      if (m.kind === 'none') return
      e.preventDefault()
      if (m.kind === 'g') {
        pendingG = true
        gTimer = setTimeout(clearG, G_TIMEOUT_MS)
      } else if (m.kind === 'help') setHelpOpen(true)
      else {
        const b = buttons()[m.index]
        if (!b) return
        b.click()
        b.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      mo?.disconnect()
      clearG()
    }
  }, [navLabel, mode, mac])

  return { mode, mac, screens, helpOpen, setHelpOpen }
}
