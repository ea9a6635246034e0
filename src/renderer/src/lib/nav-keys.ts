/**
 * The keyboard shortcuts that open the sidebar's screens, as pure functions of a key press (the
 * hook in use-nav-shortcuts.ts feeds them real events). Three ways in:
 *
 * - Ctrl+1…9 (Cmd on macOS): the desktop app's shortcut. A browser keeps these for its own tabs,
 *   so in web mode they rarely reach the page.
 * - Alt+1…9 (Option on macOS): the web-mode shortcut; matched by physical key (event.code), since
 *   Option+digit types a character on a Mac.
 * - G, then a letter (G then T: Tokens): no modifier, so no browser or layout takes it.
 *
 * "?" opens the shortcuts help. Keys without Ctrl/Cmd never fire while focus is in a text field,
 * where they are typing.
 */

/** The fields of a KeyboardEvent the matcher reads. */
export interface NavKey {
  key: string
  code: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  shiftKey: boolean
}

/** Desktop (Electron: Ctrl/Cmd+digit) or web mode (a browser: Alt/Option+digit). */
export type ShortcutMode = 'desktop' | 'web'

export interface NavKeyContext {
  mac: boolean
  /** Focus is in a text field: plain and Alt keys belong to it. */
  typing: boolean
  /** "g" came just before: the next letter picks a screen. */
  pendingG: boolean
  /** Each screen's letter for "g then letter", in sidebar order (null: none). */
  letters: (string | null)[]
}

export type NavKeyMatch = { kind: 'screen'; index: number } | { kind: 'g' } | { kind: 'help' } | { kind: 'none' }

/** Screens reachable by a digit (1…9). */
export const MAX_DIGIT_SCREENS = 9

const NONE: NavKeyMatch = { kind: 'none' }

/** The digit 1…9 of a key press by physical key, else by character; null for any other key. */
function digitOf(e: NavKey): number | null {
  const m = /^(?:Digit|Numpad)([1-9])$/.exec(e.code) ?? (e.code === '' ? /^([1-9])$/.exec(e.key) : null)
  return m ? Number(m[1]) : null
}

/** What a key press means for navigation, given the state around it. */
export function matchNavKey(e: NavKey, ctx: NavKeyContext): NavKeyMatch {
  const primary = ctx.mac ? e.metaKey : e.ctrlKey
  const other = ctx.mac ? e.ctrlKey : e.metaKey
  const digit = digitOf(e)
  if (primary) return !other && !e.altKey && !e.shiftKey && digit !== null ? { kind: 'screen', index: digit - 1 } : NONE
  if (e.altKey) {
    if (other || e.shiftKey || digit === null) return NONE
    // In a text field, Option+digit on a Mac types a character ("¡"): leave it to the field.
    if (ctx.typing && !/^[1-9]$/.test(e.key)) return NONE
    return { kind: 'screen', index: digit - 1 }
  }
  if (other || ctx.typing) return NONE
  if (ctx.pendingG) {
    const i = e.key.length === 1 ? ctx.letters.indexOf(e.key.toLowerCase()) : -1
    return i >= 0 ? { kind: 'screen', index: i } : NONE
  }
  if (e.key === '?') return { kind: 'help' }
  if (e.key === 'g' && !e.shiftKey) return { kind: 'g' }
  return NONE
}

/**
 * Each screen's letter for "g then letter": the first letter of its label not taken by an
 * earlier screen, else the next free letter of the label, else none.
 */
export function screenLetters(labels: string[]): (string | null)[] {
  const used = new Set<string>()
  return labels.map((label) => {
    const letter = [...label.toLowerCase()].find((c) => /^[a-z]$/.test(c) && !used.has(c)) ?? null
    if (letter) used.add(letter)
    return letter
  })
}

/** The element types where plain keys type text (inputs other than buttons, boxes and pickers). */
const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'color', 'file', 'hidden', 'image', 'radio', 'range', 'reset', 'submit'])

/** Whether focus in this element means typed keys belong to it. */
export function isTextEntry(el: { tagName: string; type?: string; isContentEditable?: boolean } | null): boolean {
  if (!el) return false
  if (el.isContentEditable) return true
  const tag = el.tagName.toUpperCase()
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  return tag === 'INPUT' && !NON_TEXT_INPUTS.has((el.type ?? 'text').toLowerCase())
}

/** The shortcut of the Nth screen (0-based) for this mode: the aria-keyshortcuts value and the label people read. */
export function digitShortcut(mode: ShortcutMode, mac: boolean, index: number): { aria: string; text: string } {
  const n = index + 1
  if (mode === 'web') return { aria: `Alt+${n}`, text: mac ? `⌥${n}` : `Alt+${n}` }
  return { aria: `${mac ? 'Meta' : 'Control'}+${n}`, text: mac ? `⌘${n}` : `Ctrl+${n}` }
}

/** A screen's tooltip: its name and every way to open it ("Tokens (Alt+3 · G then T)"). */
export function screenTooltip(label: string, mode: ShortcutMode, mac: boolean, index: number, letter: string | null): string {
  const keys = [...(index < MAX_DIGIT_SCREENS ? [digitShortcut(mode, mac, index).text] : []), ...(letter ? [`G then ${letter.toUpperCase()}`] : [])]
  return keys.length ? `${label} (${keys.join(' · ')})` : label
}
