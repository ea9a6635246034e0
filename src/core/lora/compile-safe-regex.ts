/**
 * A small regular-expression engine for the patterns adapter configs carry (PEFT's rank_pattern /
 * alpha_pattern keys, which PEFT feeds to Python's `re.match`). It runs as a Thompson NFA, so a
 * match costs O(pattern states × text length) whatever the pattern: a hostile key such as
 * `((\w|\.)*)*Z` cannot freeze Graft the way a backtracking engine (JavaScript's RegExp) can.
 *
 * Supported (the subset whose match/no-match answer agrees with Python `re`): literals, `.`,
 * escapes (\d \D \w \W \s \S \A \Z and escaped punctuation), character classes, groups `( )`,
 * `(?: )`, `(?P<name> )`, alternation, `* + ? {m} {m,} {m,n}` (greedy or lazy), `^` and `$`.
 * Anything else (back-references, look-around, inline flags, word boundaries, possessive
 * quantifiers) is refused with a reason, never guessed.
 */

/** Longest pattern accepted; real rank/alpha keys are module paths of a few dozen characters. */
export const MAX_PATTERN_CHARS = 1000
/** Most NFA states one pattern may compile to (bounded repetitions are expanded). */
export const MAX_NFA_STATES = 20_000

export interface SafeRegex {
  /** Python `re.match(pattern, text)` succeeds (anchored at the start, may end anywhere). */
  matchesAtStart(text: string): boolean
}

type Node =
  | { t: 'char'; test: (c: string) => boolean }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'assert'; kind: 'start' | 'end' }

class Unsupported extends Error {}

const isDigit = (c: string) => c >= '0' && c <= '9'
const isWord = (c: string) => /^[\p{L}\p{N}_]$/u.test(c)
const isSpace = (c: string) => /^\s$/.test(c)

function parse(src: string): Node {
  let i = 0
  const fail = (why: string): never => {
    throw new Unsupported(why)
  }
  const classEscape = (c: string): ((x: string) => boolean) | string => {
    switch (c) {
      case 'd': return isDigit
      case 'D': return (x) => !isDigit(x)
      case 'w': return isWord
      case 'W': return (x) => !isWord(x)
      case 's': return isSpace
      case 'S': return (x) => !isSpace(x)
      case 'n': return '\n'
      case 't': return '\t'
      case 'r': return '\r'
      case 'f': return '\f'
      case 'v': return '\v'
    }
    if (/^[A-Za-z0-9]$/.test(c)) fail(`the escape \\${c} is not supported`)
    return c
  }
  const parseClass = (): Node => {
    // after '['
    let negate = false
    if (src[i] === '^') {
      negate = true
      i++
    }
    const parts: ((x: string) => boolean)[] = []
    let first = true
    for (;;) {
      if (i >= src.length) fail('a character class is not closed')
      let c = src[i]
      if (c === ']' && !first) {
        i++
        break
      }
      first = false
      i++
      let lo: string
      if (c === '\\') {
        if (i >= src.length) fail('the pattern ends with a backslash')
        const e = classEscape(src[i++])
        if (typeof e === 'function') {
          parts.push(e)
          continue
        }
        lo = e
      } else {
        if (c === '[' && (src[i] === ':' || src[i] === '=' || src[i] === '.')) fail('POSIX classes like [[:alpha:]] are not supported')
        lo = c
      }
      if (src[i] === '-' && i + 1 < src.length && src[i + 1] !== ']') {
        i++
        c = src[i++]
        let hi = c
        if (c === '\\') {
          const e = classEscape(src[i++] ?? fail('the pattern ends with a backslash'))
          if (typeof e === 'function') fail('a class escape cannot end a range')
          hi = e as string
        }
        if (hi < lo) fail(`the range ${lo}-${hi} is reversed`)
        const a = lo
        parts.push((x) => x >= a && x <= hi)
      } else {
        const a = lo
        parts.push((x) => x === a)
      }
    }
    return { t: 'char', test: (x) => parts.some((p) => p(x)) !== negate }
  }
  const parseAtom = (): Node | null => {
    const c = src[i]
    if (c === undefined || c === '|' || c === ')') return null
    i++
    if (c === '.') return { t: 'char', test: (x) => x !== '\n' }
    if (c === '^') return { t: 'assert', kind: 'start' }
    if (c === '$') return { t: 'assert', kind: 'end' }
    if (c === '[') return parseClass()
    if (c === '(') {
      if (src[i] === '?') {
        if (src[i + 1] === ':') i += 2
        else if (src[i + 1] === 'P' && src[i + 2] === '<') {
          const close = src.indexOf('>', i)
          if (close < 0) fail('a named group is not closed')
          i = close + 1
        } else fail(`the group syntax "(${src.slice(i, i + 3)}" (look-around, flags or back-reference) is not supported`)
      }
      const inner = parseAlt()
      if (src[i] !== ')') fail('a group is not closed')
      i++
      return inner
    }
    if (c === '*' || c === '+' || c === '?') fail('a quantifier has nothing to repeat')
    if (c === '\\') {
      const e = src[i++]
      if (e === undefined) fail('the pattern ends with a backslash')
      if (e === 'A') return { t: 'assert', kind: 'start' }
      if (e === 'Z') return { t: 'assert', kind: 'end' }
      if (e === 'b' || e === 'B') fail('word boundaries (\\b, \\B) are not supported')
      if (isDigit(e)) fail('back-references are not supported')
      const r = classEscape(e)
      return typeof r === 'function' ? { t: 'char', test: r } : { t: 'char', test: (x) => x === r }
    }
    return { t: 'char', test: (x) => x === c }
  }
  const parseSeq = (): Node => {
    const items: Node[] = []
    for (;;) {
      let atom = parseAtom()
      if (!atom) break
      for (;;) {
        let min: number
        let max: number
        const q = src[i]
        if (q === '*') [min, max] = [0, Infinity]
        else if (q === '+') [min, max] = [1, Infinity]
        else if (q === '?') [min, max] = [0, 1]
        else if (q === '{') {
          const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(src.slice(i))
          if (!m || (m[1] === '' && !m[2])) break // Python reads a '{' that is no quantifier literally
          min = m[1] === '' ? 0 : Number(m[1])
          max = m[2] ? (m[3] === '' ? Infinity : Number(m[3])) : min
          if (max < min) fail(`the repetition {${m[1]},${m[3]}} has min above max`)
          if (min > 1000 || (max !== Infinity && max > 1000)) fail('a repetition count above 1000 is not supported')
          i += m[0].length - 1
        } else break
        i++
        if (atom.t === 'assert') fail('a quantifier follows an anchor')
        if (src[i] === '?') i++ // lazy: same match/no-match answer
        else if (src[i] === '+') fail('possessive quantifiers are not supported')
        atom = { t: 'rep', node: atom, min, max }
      }
      items.push(atom)
    }
    return { t: 'seq', items }
  }
  const parseAlt = (): Node => {
    const options = [parseSeq()]
    while (src[i] === '|') {
      i++
      options.push(parseSeq())
    }
    return options.length === 1 ? options[0] : { t: 'alt', options }
  }
  const root = parseAlt()
  if (i < src.length) fail(src[i] === ')' ? 'a ")" has no matching "("' : `unexpected "${src[i]}"`)
  return root
}

type State =
  | { t: 'char'; test: (c: string) => boolean; next: number }
  | { t: 'split'; a: number; b: number }
  | { t: 'assert'; kind: 'start' | 'end'; next: number }
  | { t: 'jump'; next: number }
  | { t: 'match' }

function compile(root: Node): State[] {
  const states: State[] = []
  const add = (s: State): number => {
    if (states.length >= MAX_NFA_STATES) throw new Unsupported('the pattern is too large')
    states.push(s)
    return states.length - 1
  }
  // Emits `node` so that it continues to `next`; returns its entry state. Built back to front.
  const emit = (node: Node, next: number): number => {
    switch (node.t) {
      case 'char':
        return add({ t: 'char', test: node.test, next })
      case 'assert':
        return add({ t: 'assert', kind: node.kind, next })
      case 'seq': {
        let entry = next
        for (let k = node.items.length - 1; k >= 0; k--) entry = emit(node.items[k], entry)
        // An empty sequence still needs its own entry so loops around it stay well formed.
        return entry === next ? add({ t: 'jump', next }) : entry
      }
      case 'alt': {
        let entry = emit(node.options[node.options.length - 1], next)
        for (let k = node.options.length - 2; k >= 0; k--) entry = add({ t: 'split', a: emit(node.options[k], next), b: entry })
        return entry
      }
      case 'rep': {
        let entry = next
        if (node.max === Infinity) {
          // loop: split -> (body -> split) | next
          const split = add({ t: 'split', a: -1, b: next })
          const body = emit(node.node, split)
          ;(states[split] as { a: number }).a = body
          entry = split
        } else {
          // optional copies: each may be skipped straight to `next`
          for (let k = node.max; k > node.min; k--) entry = add({ t: 'split', a: emit(node.node, entry), b: next })
        }
        for (let k = 0; k < node.min; k++) entry = emit(node.node, entry)
        return entry
      }
    }
  }
  const match = add({ t: 'match' })
  const start = emit(root, match)
  states.push({ t: 'jump', next: start }) // last state is the entry
  return states
}

/**
 * Compiles `pattern` (Python `re` syntax) into a linear-time matcher, or returns the reason it is
 * outside the supported subset.
 */
export function compileSafeRegex(pattern: string): SafeRegex | { unsupported: string } {
  if (pattern.length > MAX_PATTERN_CHARS) return { unsupported: `it is longer than ${MAX_PATTERN_CHARS} characters` }
  let states: State[]
  try {
    states = compile(parse(pattern))
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message }
    throw e
  }
  const entry = states.length - 1
  return {
    matchesAtStart(text: string): boolean {
      const chars = [...text]
      let cur = new Set<number>()
      const closure = (set: Set<number>, s: number, pos: number, seen: Set<number>): boolean => {
        const stack = [s]
        while (stack.length) {
          const k = stack.pop()!
          if (seen.has(k)) continue
          seen.add(k)
          const st = states[k]
          if (st.t === 'match') return true
          if (st.t === 'char') set.add(k)
          else if (st.t === 'jump') stack.push(st.next)
          else if (st.t === 'split') stack.push(st.b, st.a)
          else if (st.kind === 'start' ? pos === 0 : pos === chars.length) stack.push(st.next)
        }
        return false
      }
      if (closure(cur, entry, 0, new Set())) return true
      for (let pos = 0; pos < chars.length && cur.size > 0; pos++) {
        const next = new Set<number>()
        const seen = new Set<number>()
        for (const k of cur) {
          const st = states[k] as { test: (c: string) => boolean; next: number }
          if (st.test(chars[pos]) && closure(next, st.next, pos + 1, seen)) return true
        }
        cur = next
      }
      return false
    },
  }
}
