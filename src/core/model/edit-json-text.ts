import { GraftError } from '../errors'

/**
 * Edits values in JSON text while keeping everything else byte for byte: number spellings
 * (`1.0` stays `1.0`; transformers' strict config classes reject `1` for a float field), key
 * order, indentation. Each edit sets `path` to `value`; a missing key is appended to its object.
 */
export function editJsonText(text: string, edits: { path: string[]; value: unknown }[], file = 'JSON'): string {
  let out = text
  for (const e of edits) out = applyOne(out, e.path, e.value, file)
  return out
}

interface Span {
  start: number
  end: number
}

function applyOne(text: string, path: string[], value: unknown, file: string): string {
  const p = new Scanner(text, file)
  p.ws()
  const found = p.find(path)
  const json = JSON.stringify(value)
  if (found.kind === 'value') return text.slice(0, found.span.start) + json + text.slice(found.span.end)
  // Insert the missing key before the closing brace of its parent object.
  const { close, empty, indent } = found
  const key = JSON.stringify(path[path.length - 1])
  const before = text.slice(0, close)
  const trimmed = before.replace(/\s*$/, '')
  const insert = empty ? `\n${indent}  ${key}: ${json}\n${indent}` : `,\n${indent}  ${key}: ${json}`
  return trimmed + insert + (empty ? '' : text.slice(trimmed.length, close).includes('\n') ? `\n${indent}` : '') + text.slice(close)
}

type Found = { kind: 'value'; span: Span } | { kind: 'missing'; close: number; empty: boolean; indent: string }

class Scanner {
  i = 0
  constructor(
    private readonly s: string,
    private readonly file: string,
  ) {}

  fail(msg: string): never {
    throw new GraftError('BAD_CONFIG', `${this.file}: ${msg} at character ${this.i}.`, { file: this.file, hint: 'Fix the JSON syntax in that file.' })
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++
  }

  /** Finds the span of the value at `path` below the value starting at the cursor. */
  find(path: string[]): Found {
    if (path.length === 0) {
      const start = this.i
      this.skipValue()
      return { kind: 'value', span: { start, end: this.i } }
    }
    if (this.s[this.i] !== '{') this.fail(`expected an object for "${path[0]}"`)
    const lineStart = this.s.lastIndexOf('\n', this.i) + 1
    const indent = /^[ \t]*/.exec(this.s.slice(lineStart))![0]
    this.i++
    this.ws()
    let empty = true
    while (this.s[this.i] !== '}') {
      empty = false
      const key = this.readString()
      this.ws()
      if (this.s[this.i] !== ':') this.fail('expected ":"')
      this.i++
      this.ws()
      if (key === path[0]) return this.find(path.slice(1))
      this.skipValue()
      this.ws()
      if (this.s[this.i] === ',') {
        this.i++
        this.ws()
      } else if (this.s[this.i] !== '}') this.fail('expected "," or "}"')
    }
    if (path.length > 1) this.fail(`missing object "${path[0]}"`)
    return { kind: 'missing', close: this.i, empty, indent }
  }

  readString(): string {
    if (this.s[this.i] !== '"') this.fail('expected a string')
    const start = this.i
    this.i++
    while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1
    if (this.i >= this.s.length) this.fail('unterminated string')
    this.i++
    return JSON.parse(this.s.slice(start, this.i)) as string
  }

  skipValue(): void {
    const c = this.s[this.i]
    if (c === '"') return void this.readString()
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      this.i++
      this.ws()
      while (this.s[this.i] !== close) {
        if (c === '{') {
          this.readString()
          this.ws()
          if (this.s[this.i] !== ':') this.fail('expected ":"')
          this.i++
          this.ws()
        }
        this.skipValue()
        this.ws()
        if (this.s[this.i] === ',') {
          this.i++
          this.ws()
        } else if (this.s[this.i] !== close) this.fail(`expected "," or "${close}"`)
      }
      this.i++
      return
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|NaN|-?Infinity)/.exec(this.s.slice(this.i, this.i + 64))
    if (!m) this.fail('unexpected token')
    this.i += m[0].length
  }
}
