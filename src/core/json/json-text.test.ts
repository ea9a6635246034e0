import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { detectJsonStyle, formatJsonText, isJsonObject, orderedKeys, parseJsonText, withAppendedKeys, withKey, withKeys, type JsonObject } from './json-text'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url))

describe('json-text', () => {
  it.each(['mistral/tokenizer.json', 'mistral/tokenizer_config.json', 'qwen3/tokenizer_config.json'])('round-trips %s byte for byte', (name) => {
    const text = readFileSync(FIXTURES + name, 'utf8')
    expect(formatJsonText(parseJsonText(text), detectJsonStyle(text))).toBe(text)
  })

  it('keeps integer-like keys in file order and big integers as written', () => {
    const text = '{\n  "b": 1,\n  "10": 2,\n  "2": 3,\n  "model_max_length": 1000000000000000019884624838656,\n  "f": 1.0,\n  "e": 1e-05\n}\n'
    const v = parseJsonText(text) as JsonObject
    expect(orderedKeys(v)).toEqual(['b', '10', '2', 'model_max_length', 'f', 'e'])
    expect(v.model_max_length).toBe(1e30)
    expect(formatJsonText(v, detectJsonStyle(text))).toBe(text)
    // JSON.stringify would have reordered the keys and written 1e+30
    expect(JSON.stringify(JSON.parse(text), null, 2) + '\n').not.toBe(text)
  })

  it('keeps "__proto__" as an ordinary key (a token in a vocab), round trip included', () => {
    const text = '{"a": 1, "__proto__": 2, "b": {"__proto__": {"x": 3}}}'
    const v = parseJsonText(text) as JsonObject
    expect(orderedKeys(v)).toEqual(['a', '__proto__', 'b'])
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(['a', '__proto__', 'b'])
    expect(formatJsonText(v, detectJsonStyle(text))).toBe(text)
  })

  it('reports repeated keys with the path of the object they are in', () => {
    const seen: string[] = []
    parseJsonText('{"a": {"k": 1, "k": 2}, "a": [{"z": 1, "z": 2}]}', { onDuplicateKey: (key, path) => seen.push([...path, key].join('.')) })
    expect(seen).toEqual(['a.k', 'a.z', 'a'])
  })

  it('parses escapes and writes them back like Python and serde do', () => {
    const text = '{"a":"q\\"\\\\\\n\\u001b\\u00e9","b":[1,-2.5,true,null,{}],"c":[]}'
    const v = parseJsonText(text) as JsonObject
    expect(v.a).toBe('q"\\\n\u001bé')
    expect(formatJsonText(v, detectJsonStyle(text))).toBe('{"a":"q\\"\\\\\\n\\u001bé","b":[1,-2.5,true,null,{}],"c":[]}')
  })

  it('detects one-line Python style separators', () => {
    const text = '{"a": 1, "b": [1, 2]}'
    expect(formatJsonText(parseJsonText(text), detectJsonStyle(text))).toBe(text)
  })

  it('inserts new keys in sorted position only into sorted objects', () => {
    const sorted = parseJsonText('{"a": 1, "c": 3}') as JsonObject
    expect(orderedKeys(withKey(sorted, 'b', 2))).toEqual(['a', 'b', 'c'])
    const unsorted = parseJsonText('{"c": 3, "a": 1}') as JsonObject
    expect(orderedKeys(withKey(unsorted, 'b', 2))).toEqual(['c', 'a', 'b'])
    expect(orderedKeys(withKey(sorted, 'b', 2, 'end'))).toEqual(['a', 'c', 'b'])
    // the input is not modified
    expect(orderedKeys(sorted)).toEqual(['a', 'c'])
    const appended = withAppendedKeys(sorted, [['0', 0], ['z', 9]])
    expect(orderedKeys(appended)).toEqual(['a', 'c', '0', 'z'])
  })

  it('withKeys gives what withKey one key at a time gives, for sorted and unsorted objects', () => {
    for (const text of ['{"99": 1, "100": 2}', '{"100": 2, "99": 1}', '{}', '{"b": 1.50, "a": 2}']) {
      const obj = parseJsonText(text) as JsonObject
      const entries: [string, number][] = [['101', 3], ['1000', 4], ['b', 7], ['0', 5], ['99', 6]]
      let one = obj
      for (const [k, v] of entries) one = withKey(one, k, v)
      const many = withKeys(obj, entries)
      expect(orderedKeys(many)).toEqual(orderedKeys(one))
      expect(formatJsonText(many, detectJsonStyle(text))).toBe(formatJsonText(one, detectJsonStyle(text)))
      expect(orderedKeys(withKeys(obj, entries, 'end'))).toEqual([...orderedKeys(obj), ...['101', '1000', 'b', '0', '99'].filter((k) => !orderedKeys(obj).includes(k))])
    }
  })

  it('rejects malformed JSON with a position', () => {
    expect(() => parseJsonText('{"a": }')).toThrow(/position 6/)
    expect(() => parseJsonText('{"a": 1} x')).toThrow(/after the JSON value/)
    expect(isJsonObject(parseJsonText('[]'))).toBe(false)
  })
})
