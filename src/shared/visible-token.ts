/** How a token's text is shown so nothing in it is invisible (plans, CLI, the Tokens screen). */

/** Visible stand-ins for whitespace that would otherwise vanish in a plan or a terminal. */
const VISIBLE: Readonly<Record<string, string>> = { ' ': '␣', '\t': '⇥', '\n': '⏎', '\r': '␍', '\u00a0': '⍽', '\u3000': '␣' }

/** Format and zero-width characters (ZWSP, ZWJ, BOM, bidi marks …), written as <U+XXXX>. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u206a-\u206f\ufeff]/

/**
 * A token's content as the user can see it: spaces ␣, tabs ⇥, newlines ⏎, other control
 * characters as their Control Pictures, zero-width and format characters as <U+XXXX>.
 */
export function showToken(content: string): string {
  let out = ''
  for (const ch of content) {
    const g = VISIBLE[ch]
    const c = ch.codePointAt(0) as number
    if (g !== undefined) out += g
    else if (c < 0x20) out += String.fromCharCode(0x2400 + c)
    else if (c === 0x7f) out += '␡'
    else if (INVISIBLE.test(ch) || /\s/.test(ch)) out += `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`
    else out += ch
  }
  return out
}

/** True for a token that is only whitespace (and invisible format characters): nothing a user can see or type back. */
export function isBlankToken(content: string): boolean {
  return content.length > 0 && [...content].every((ch) => /\s/.test(ch) || INVISIBLE.test(ch))
}

/** True when a token starts or ends with whitespace (often a copy-paste slip: `foo ` is a different token from `foo`). */
export function hasEdgeWhitespace(content: string): boolean {
  return /^\s|\s$/.test(content)
}
