import { useEffect } from 'react'

/**
 * Ctrl+1…9 (Cmd on macOS) opens the Nth screen of the sidebar, in the order it shows them, so a
 * screen added to the sidebar gets its shortcut without a table to keep in step. Each nav button
 * is labelled with its shortcut (aria-keyshortcuts and the tooltip).
 */
export function useNavShortcuts(navLabel = 'Screens'): void {
  useEffect(() => {
    const mac = /Mac|iPhone|iPad/.test(navigator.platform)
    const buttons = () => [...document.querySelectorAll<HTMLButtonElement>(`nav[aria-label="${navLabel}"] button.nav-item`)]
    const label = () =>
      buttons().forEach((b, i) => {
        if (i >= 9) return
        const keys = `${mac ? 'Meta' : 'Control'}+${i + 1}`
        if (b.getAttribute('aria-keyshortcuts') !== keys) {
          b.setAttribute('aria-keyshortcuts', keys)
          b.title = `${b.textContent?.replace(/\d+$/, '').trim() ?? ''} (${mac ? '⌘' : 'Ctrl+'}${i + 1})`
        }
      })
    label()
    const nav = document.querySelector(`nav[aria-label="${navLabel}"]`)
    const mo = nav ? new MutationObserver(label) : null
    if (nav) mo!.observe(nav, { childList: true, subtree: true })
    const onKey = (e: KeyboardEvent) => {
      if (!(mac ? e.metaKey : e.ctrlKey) || e.altKey || e.shiftKey || !/^[1-9]$/.test(e.key)) return
      const b = buttons()[Number(e.key) - 1]
      if (!b) return
      e.preventDefault()
      b.click()
      b.focus()
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      mo?.disconnect()
    }
  }, [navLabel])
}
