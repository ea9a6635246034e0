/**
 * JSON that survives a round trip byte for byte.
 *
 * `JSON.parse` + `JSON.stringify` is not enough for tokenizer files:
 * - objects with integer-like keys (`"0": 28734` in a SentencePiece vocab, `"151643": {…}` in
 *   added_tokens_decoder) come back in numeric order, not file order;
 * - Python writes `int(1e30)` as `1000000000000000019884624838656` (tokenizer_config.json
 *   `model_max_length`), which JS would re-emit as `1e+30`, a float to Python.
 *
 * So this parser remembers each container's key order and the source text of every number that
 * JS would print differently, and the formatter writes them back. Values stay ordinary JS values.
 */

/** Key order of a parsed or edited object (enumerable, so object spread copies it). */
export const KEY_ORDER: unique symbol = Symbol('graft.json.keyOrder')
/** Source text of numbers that `JSON.stringify` would print differently, by key or index. */
export const RAW_NUMBERS: unique symbol = Symbol('graft.json.rawNumbers')

export type JsonValue = null | boolean | number | string | JsonArray | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
  [KEY_ORDER]?: string[]
  [RAW_NUMBERS]?: Map<string, string>
}
export interface JsonArray extends Array<JsonValue> {
  [RAW_NUMBERS]?: Map<string, string>
}

/** How a file was laid out, so edits keep its look. */
export interface JsonStyle {
  /** Indent unit ("  "), or null for one-line output. */
  indent: string | null
  /** `": "` or `":"` (one-line files only; pretty files always use `": "`). */
  keySep: string
  /** `", "` or `","` (one-line files only). */
  itemSep: string
  finalNewline: boolean
}

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(message)
    this.name = 'JsonSyntaxError'
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
/** Integers this short always print back exactly as written. */
const PLAIN_INT_RE = /^-?\d{1,15}$/

const QUOTE = 0x22
const BACKSLASH = 0x5c

export interface ParseJsonOptions {
  /**
   * Called when an object repeats a key (the later value wins unless this throws). `path` holds
   * the keys of the enclosing objects, outermost first; array levels are not included.
   */
  onDuplicateKey?: (key: string, path: readonly string[]) => void
}

export function parseJsonText(text: string, opts: ParseJsonOptions = {}): JsonValue {
  let i = 0
  const onDuplicate = opts.onDuplicateKey
  /** Keys of the objects being parsed (tracked only when duplicates are reported). */
  const path: string[] = []
  const n = text.length
  /** Source of the last number parsed when `JSON.stringify` might print it differently. */
  let oddNumber: string | null = null

  const skipWs = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++
      else break
    }
  }
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i}`, i)
  }
  const expectChar = (code: number, what: string): void => {
    if (text.charCodeAt(i) !== code) fail(`Expected ${what}`)
    i++
  }

  const parseString = (): string => {
    // text[i] is '"'; the closing quote is one not preceded by an odd run of backslashes
    const start = i
    let j = i + 1
    let q: number
    for (;;) {
      q = text.indexOf('"', j)
      if (q < 0) {
        i = n
        return fail('Unterminated string')
      }
      let bs = 0
      for (let k = q - 1; k > start && text.charCodeAt(k) === BACKSLASH; k--) bs++
      if (bs % 2 === 0) break
      j = q + 1
    }
    i = q + 1
    const body = text.slice(start + 1, q)
    if (!body.includes('\\')) return body
    try {
      return JSON.parse(text.slice(start, q + 1)) as string
    } catch {
      i = start
      return fail('Bad string escape')
    }
  }

  const parseValue = (): JsonValue => {
    skipWs()
    const c = text.charCodeAt(i)
    if (c === 0x7b /* { */) {
      i++
      const obj: JsonObject = {}
      const order: string[] = []
      let raw: Map<string, string> | undefined
      skipWs()
      if (text.charCodeAt(i) === 0x7d) {
        i++
      } else {
        for (;;) {
          skipWs()
          if (text.charCodeAt(i) !== QUOTE) fail('Expected a key')
          const key = parseString()
          skipWs()
          expectChar(0x3a, '":"')
          oddNumber = null
          if (onDuplicate) path.push(key)
          const v = parseValue()
          if (onDuplicate) path.pop()
          if (oddNumber !== null && typeof v === 'number' && JSON.stringify(v) !== oddNumber) (raw ??= new Map()).set(key, oddNumber)
          if (!Object.prototype.hasOwnProperty.call(obj, key)) order.push(key)
          else onDuplicate?.(key, path)
          // "__proto__" is an ordinary key in JSON (a token, a tensor name), never the prototype.
          if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true })
          else obj[key] = v
          skipWs()
          const d = text.charCodeAt(i++)
          if (d === 0x2c) continue
          if (d === 0x7d) break
          i--
          fail('Expected "," or "}"')
        }
      }
      obj[KEY_ORDER] = order
      if (raw) obj[RAW_NUMBERS] = raw
      return obj
    }
    if (c === 0x5b /* [ */) {
      i++
      const arr: JsonArray = []
      let raw: Map<string, string> | undefined
      skipWs()
      if (text.charCodeAt(i) === 0x5d) {
        i++
        return arr
      }
      for (;;) {
        oddNumber = null
        const v = parseValue()
        if (oddNumber !== null && typeof v === 'number' && JSON.stringify(v) !== oddNumber) (raw ??= new Map()).set(String(arr.length), oddNumber)
        arr.push(v)
        skipWs()
        const d = text.charCodeAt(i++)
        if (d === 0x2c) continue
        if (d === 0x5d) break
        i--
        fail('Expected "," or "]"')
      }
      if (raw) arr[RAW_NUMBERS] = raw
      return arr
    }
    if (c === QUOTE) return parseString()
    if (text.startsWith('true', i)) {
      i += 4
      return true
    }
    if (text.startsWith('false', i)) {
      i += 5
      return false
    }
    if (text.startsWith('null', i)) {
      i += 4
      return null
    }
    NUMBER_RE.lastIndex = i
    const m = NUMBER_RE.exec(text)
    if (m) {
      const src = m[0]
      i += src.length
      oddNumber = PLAIN_INT_RE.test(src) ? null : src
      return Number(src)
    }
    return fail(i >= n ? 'Unexpected end of JSON' : `Unexpected character ${JSON.stringify(text[i])}`)
  }

  const value = parseValue()
  skipWs()
  if (i < n) fail('Unexpected text after the JSON value')
  return value
}

/** Reads the layout of a JSON file: indent unit, separators, final newline. */
export function detectJsonStyle(text: string): JsonStyle {
  const finalNewline = text.endsWith('\n')
  // An empty object gives nothing to go by: use the layout transformers writes (indent=2).
  if (/^\s*(\{\s*\}|\[\s*\])\s*$/.test(text)) return { indent: '  ', keySep: ': ', itemSep: ',', finalNewline }
  const m = /^[{[]\r?\n([ \t]+)\S/.exec(text)
  if (m) return { indent: m[1], keySep: ': ', itemSep: ',', finalNewline }
  const keySep = /"\s*:( ?)/.exec(text)?.[1] === ' ' ? ': ' : ':'
  const itemSep = /[}\]"\deln],( ?)["{[\d-tfn]/.exec(text)?.[1] === ' ' ? ', ' : ','
  return { indent: null, keySep, itemSep, finalNewline }
}

/** The keys of an object in file order (then any keys added without an order). */
export function orderedKeys(obj: JsonObject): string[] {
  const keys = Object.keys(obj)
  const order = obj[KEY_ORDER]
  if (!order) return keys
  if (order.length === keys.length) {
    let same = true
    for (const k of order) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) {
        same = false
        break
      }
    }
    if (same) return order
  }
  const seen = new Set<string>()
  const out: string[] = []
  for (const k of order) if (Object.prototype.hasOwnProperty.call(obj, k) && !seen.has(k)) (seen.add(k), out.push(k))
  for (const k of keys) if (!seen.has(k)) out.push(k)
  return out
}

/** Code-point order, which is what Python's `sort_keys=True` uses. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number
    const y = b.codePointAt(i) as number
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}

/** True when an object's keys are already in `sort_keys` order (so new keys should be sorted in too). */
export function keysAreSorted(obj: JsonObject): boolean {
  const keys = orderedKeys(obj)
  for (let i = 1; i < keys.length; i++) if (compareCodePoints(keys[i - 1], keys[i]) > 0) return false
  return true
}

/**
 * A copy of `obj` with `key` set. An existing key keeps its place; a new key goes where the file
 * would have it: in sorted position when the object is sorted (files Python wrote with
 * `sort_keys=True`) and `placement` is 'auto', else at the end.
 */
export function withKey(obj: JsonObject, key: string, value: JsonValue, placement: 'auto' | 'end' = 'auto'): JsonObject {
  const order = orderedKeys(obj)
  const copy: JsonObject = { ...obj }
  const raw = obj[RAW_NUMBERS]
  if (raw?.has(key)) {
    const r = new Map(raw)
    r.delete(key)
    copy[RAW_NUMBERS] = r
  }
  if (Object.prototype.hasOwnProperty.call(obj, key)) {
    copy[key] = value
    copy[KEY_ORDER] = order
    return copy
  }
  let at = order.length
  if (placement === 'auto' && keysAreSorted(obj)) {
    at = order.findIndex((k) => compareCodePoints(k, key) > 0)
    if (at < 0) at = order.length
  }
  copy[key] = value
  copy[KEY_ORDER] = [...order.slice(0, at), key, ...order.slice(at)]
  return copy
}

/**
 * `withKey` for many keys at once, with one copy (the same result as calling it for each entry in
 * turn, in O(n log n) instead of O(n²): thousands of added tokens go into added_tokens_decoder).
 */
export function withKeys(obj: JsonObject, entries: [string, JsonValue][], placement: 'auto' | 'end' = 'auto'): JsonObject {
  const order = orderedKeys(obj)
  const copy: JsonObject = { ...obj }
  const raw = obj[RAW_NUMBERS]
  if (raw && entries.some(([k]) => raw.has(k))) {
    const r = new Map(raw)
    for (const [k] of entries) r.delete(k)
    copy[RAW_NUMBERS] = r
  }
  const fresh: string[] = []
  for (const [k, v] of entries) {
    if (!Object.prototype.hasOwnProperty.call(copy, k)) fresh.push(k)
    copy[k] = v
  }
  const merged = [...order, ...fresh]
  if (fresh.length && placement === 'auto' && keysAreSorted(obj)) merged.sort(compareCodePoints)
  copy[KEY_ORDER] = merged
  return copy
}

/** A copy of an array with items appended, keeping the source text of its numbers. */
export function withItems(arr: JsonArray, items: JsonValue[]): JsonArray {
  const copy: JsonArray = [...arr, ...items]
  if (arr[RAW_NUMBERS]) copy[RAW_NUMBERS] = arr[RAW_NUMBERS]
  return copy
}

/** Writes a value in the given style: `JSON.stringify` layout, file key order, original number text. */
export function formatJsonText(value: JsonValue, style: JsonStyle): string {
  let out = ''
  const { indent } = style
  const keySep = indent === null ? style.keySep : ': '
  const itemSep = indent === null ? style.itemSep : ','

  const num = (v: number, raw: string | undefined): string => {
    if (raw !== undefined && Object.is(Number(raw), v)) return raw
    if (!Number.isFinite(v)) throw new Error(`Cannot write ${v} as JSON`)
    return JSON.stringify(v)
  }

  const write = (v: JsonValue, depth: number, raw: string | undefined): void => {
    if (v === null) out += 'null'
    else if (typeof v === 'string') out += quote(v)
    else if (typeof v === 'number') out += num(v, raw)
    else if (typeof v === 'boolean') out += v ? 'true' : 'false'
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        out += '[]'
        return
      }
      const rawMap = (v as JsonArray)[RAW_NUMBERS]
      const inner = indent === null ? '' : '\n' + indent.repeat(depth + 1)
      out += '['
      for (let k = 0; k < v.length; k++) {
        if (k > 0) out += itemSep
        out += inner
        write(v[k], depth + 1, rawMap?.get(String(k)))
      }
      if (indent !== null) out += '\n' + indent.repeat(depth)
      out += ']'
    } else {
      const keys = orderedKeys(v)
      if (keys.length === 0) {
        out += '{}'
        return
      }
      const rawMap = v[RAW_NUMBERS]
      const inner = indent === null ? '' : '\n' + indent.repeat(depth + 1)
      out += '{'
      for (let k = 0; k < keys.length; k++) {
        if (k > 0) out += itemSep
        out += inner + quote(keys[k]) + keySep
        write(v[keys[k]], depth + 1, rawMap?.get(keys[k]))
      }
      if (indent !== null) out += '\n' + indent.repeat(depth)
      out += '}'
    }
  }

  write(value, 0, undefined)
  if (style.finalNewline) out += '\n'
  return out
}

/** Characters JSON.stringify escapes: quote, backslash, controls, and (when lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"'
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A copy of `obj` with many new keys appended at the end (one copy, for large vocabularies). */
export function withAppendedKeys(obj: JsonObject, entries: [string, JsonValue][]): JsonObject {
  const order = orderedKeys(obj).slice()
  const copy: JsonObject = { ...obj }
  for (const [k, v] of entries) {
    if (!Object.prototype.hasOwnProperty.call(copy, k)) order.push(k)
    copy[k] = v
  }
  copy[KEY_ORDER] = order
  return copy
}
