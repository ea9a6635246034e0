import type { JsonValue } from '../json/json-text'

/** A map key for the merge (a, b); the length prefix keeps "ab"+"c" and "a"+"bc" apart. */
export function mergeKey(a: string, b: string): string {
  return `${a.length}:${a}${b}`
}

/** Reads merges in either format (`[["a","b"]]` or `["a b"]`). */
export function readMerge(m: JsonValue): [string, string] | null {
  if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]]
  if (typeof m === 'string') {
    const sp = m.indexOf(' ')
    return sp < 0 ? null : [m.slice(0, sp), m.slice(sp + 1)]
  }
  return null
}

/** merge → rank (position in the list; lower merges first). The first copy of a repeated merge wins. */
export function mergeRanks(merges: JsonValue[]): Map<string, number> {
  const ranks = new Map<string, number>()
  for (let i = 0; i < merges.length; i++) {
    const m = readMerge(merges[i])
    if (!m) continue
    const k = mergeKey(m[0], m[1])
    if (!ranks.has(k)) ranks.set(k, i)
  }
  return ranks
}

/**
 * BPE on one word as the tokenizers library does it: repeatedly merge the adjacent pair with the
 * lowest rank, leftmost first on ties, until no pair has a merge.
 */
export function bpeSegment(symbols: string[], ranks: Map<string, number>): string[] {
  const s = symbols.slice()
  for (;;) {
    let best = -1
    let bestRank = Infinity
    for (let i = 0; i + 1 < s.length; i++) {
      const r = ranks.get(mergeKey(s[i], s[i + 1]))
      if (r !== undefined && r < bestRank) {
        bestRank = r
        best = i
      }
    }
    if (best < 0) return s
    s.splice(best, 2, s[best] + s[best + 1])
  }
}
