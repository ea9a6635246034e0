import { formatInt } from '../../lib/format'

/** The largest row count or multiple the forms take (the API's MAX_VOCAB_SIZE): far beyond any real vocabulary. */
export const MAX_FORM_COUNT = 10_000_000

/**
 * What is wrong with a count typed in a field (`what` names it: "New size"), or null when it is a
 * whole number from 1 to MAX_FORM_COUNT. Each case says the real limit instead of one vague text.
 */
export function explainCount(what: string, s: string): string | null {
  const t = s.trim().replace(/[,_\s]/g, '')
  if (t === '') return `${what}: type a number.`
  if (/^-\d+$/.test(t)) return `${what}: ${s.trim()} is negative; type a number from 1 to ${formatInt(MAX_FORM_COUNT)}.`
  if (!/^\d+$/.test(t)) return `${what}: “${s.trim()}” is not a whole number; type digits only, from 1 to ${formatInt(MAX_FORM_COUNT)}.`
  const n = Number(t)
  if (n === 0) return `${what}: type a number from 1 to ${formatInt(MAX_FORM_COUNT)}.`
  if (n > MAX_FORM_COUNT) return `${what}: ${formatInt(n)} is more than Graft takes (at most ${formatInt(MAX_FORM_COUNT)}).`
  return null
}
