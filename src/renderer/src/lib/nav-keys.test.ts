import { describe, expect, it } from 'vitest'
import { digitShortcut, isTextEntry, matchNavKey, screenLetters, screenTooltip, type NavKey, type NavKeyContext } from './nav-keys'

const LETTERS = screenLetters(['Library', 'Inspect', 'Tokens', 'Merge', 'Compare', 'Hub', 'Jobs'])
const ctx = (over: Partial<NavKeyContext> = {}): NavKeyContext => ({ mac: false, typing: false, pendingG: false, letters: LETTERS, ...over })
/** A key press: `key` as typed, `code` the physical key, modifiers off unless given. */
const press = (key: string, mods: Partial<NavKey> = {}): NavKey => ({
  key,
  code: /^[0-9]$/.test(key) ? `Digit${key}` : /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : '',
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
})

describe('matchNavKey', () => {
  it('opens the Nth screen with Ctrl+N (Cmd+N on a Mac), even from a text field', () => {
    expect(matchNavKey(press('3', { ctrlKey: true }), ctx())).toEqual({ kind: 'screen', index: 2 })
    expect(matchNavKey(press('3', { ctrlKey: true }), ctx({ typing: true }))).toEqual({ kind: 'screen', index: 2 })
    expect(matchNavKey(press('3', { metaKey: true }), ctx({ mac: true }))).toEqual({ kind: 'screen', index: 2 })
    // Cmd on Linux and Ctrl on a Mac are not the shortcut; nor are extra modifiers or 0.
    expect(matchNavKey(press('3', { metaKey: true }), ctx())).toEqual({ kind: 'none' })
    expect(matchNavKey(press('3', { ctrlKey: true }), ctx({ mac: true }))).toEqual({ kind: 'none' })
    expect(matchNavKey(press('3', { ctrlKey: true, shiftKey: true }), ctx())).toEqual({ kind: 'none' })
    expect(matchNavKey(press('3', { ctrlKey: true, altKey: true }), ctx())).toEqual({ kind: 'none' }) // AltGr
    expect(matchNavKey(press('0', { ctrlKey: true }), ctx())).toEqual({ kind: 'none' })
    expect(matchNavKey(press('c', { ctrlKey: true }), ctx())).toEqual({ kind: 'none' })
  })

  it('opens the Nth screen with Alt+N by physical key, so Option+digit on a Mac works too', () => {
    expect(matchNavKey(press('2', { altKey: true }), ctx())).toEqual({ kind: 'screen', index: 1 })
    expect(matchNavKey({ ...press('2', { altKey: true }), key: '™' }, ctx({ mac: true }))).toEqual({ kind: 'screen', index: 1 })
    expect(matchNavKey({ ...press('7', { altKey: true }), code: 'Numpad7' }, ctx())).toEqual({ kind: 'screen', index: 6 })
    // AZERTY: the digit row types "é" without Shift; the physical key is still Digit2.
    expect(matchNavKey({ ...press('2', { altKey: true }), key: 'é' }, ctx())).toEqual({ kind: 'screen', index: 1 })
  })

  it('leaves Alt+N to a text field where it types a character', () => {
    expect(matchNavKey(press('2', { altKey: true }), ctx({ typing: true }))).toEqual({ kind: 'screen', index: 1 })
    expect(matchNavKey({ ...press('2', { altKey: true }), key: '™' }, ctx({ mac: true, typing: true }))).toEqual({ kind: 'none' })
  })

  it('opens a screen with g then its letter, upper or lower case', () => {
    expect(matchNavKey(press('g'), ctx())).toEqual({ kind: 'g' })
    expect(matchNavKey(press('t'), ctx({ pendingG: true }))).toEqual({ kind: 'screen', index: 2 })
    expect(matchNavKey(press('T', { shiftKey: true }), ctx({ pendingG: true }))).toEqual({ kind: 'screen', index: 2 })
    expect(matchNavKey(press('j'), ctx({ pendingG: true }))).toEqual({ kind: 'screen', index: 6 })
    expect(matchNavKey(press('x'), ctx({ pendingG: true }))).toEqual({ kind: 'none' })
    expect(matchNavKey(press('Escape'), ctx({ pendingG: true }))).toEqual({ kind: 'none' })
    // Without the g, a letter is just a letter.
    expect(matchNavKey(press('t'), ctx())).toEqual({ kind: 'none' })
    expect(matchNavKey(press('G', { shiftKey: true }), ctx())).toEqual({ kind: 'none' })
  })

  it('opens the help with "?"', () => {
    expect(matchNavKey(press('?', { shiftKey: true }), ctx())).toEqual({ kind: 'help' })
  })

  it('never takes plain keys from a text field', () => {
    for (const k of ['g', '?', 't', '3']) expect(matchNavKey(press(k), ctx({ typing: true }))).toEqual({ kind: 'none' })
    expect(matchNavKey(press('t'), ctx({ typing: true, pendingG: true }))).toEqual({ kind: 'none' })
  })
})

describe('screenLetters', () => {
  it('gives each screen its first free letter', () => {
    expect(LETTERS).toEqual(['l', 'i', 't', 'm', 'c', 'h', 'j'])
    expect(screenLetters(['Merge', 'Models', 'M1', '42'])).toEqual(['m', 'o', null, null])
  })
})

describe('isTextEntry', () => {
  it('counts text inputs, textareas, selects and editable content, not buttons or boxes', () => {
    expect(isTextEntry({ tagName: 'INPUT', type: 'text' })).toBe(true)
    expect(isTextEntry({ tagName: 'input', type: 'search' })).toBe(true)
    expect(isTextEntry({ tagName: 'INPUT' })).toBe(true)
    expect(isTextEntry({ tagName: 'TEXTAREA' })).toBe(true)
    expect(isTextEntry({ tagName: 'SELECT' })).toBe(true)
    expect(isTextEntry({ tagName: 'DIV', isContentEditable: true })).toBe(true)
    expect(isTextEntry({ tagName: 'INPUT', type: 'checkbox' })).toBe(false)
    expect(isTextEntry({ tagName: 'INPUT', type: 'radio' })).toBe(false)
    expect(isTextEntry({ tagName: 'BUTTON' })).toBe(false)
    expect(isTextEntry(null)).toBe(false)
  })
})

describe('shortcut hints', () => {
  it('name the shortcut of the mode: Ctrl/Cmd in the desktop app, Alt/Option in a browser', () => {
    expect(digitShortcut('desktop', false, 2)).toEqual({ aria: 'Control+3', text: 'Ctrl+3' })
    expect(digitShortcut('desktop', true, 2)).toEqual({ aria: 'Meta+3', text: '⌘3' })
    expect(digitShortcut('web', false, 2)).toEqual({ aria: 'Alt+3', text: 'Alt+3' })
    expect(digitShortcut('web', true, 2)).toEqual({ aria: 'Alt+3', text: '⌥3' })
    expect(screenTooltip('Tokens', 'web', false, 2, 't')).toBe('Tokens (Alt+3 · G then T)')
    expect(screenTooltip('Tenth', 'desktop', false, 9, null)).toBe('Tenth')
  })
})
