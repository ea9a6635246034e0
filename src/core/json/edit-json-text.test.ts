import { describe, expect, it } from 'vitest'
import { editJsonText } from './edit-json-text'

describe('editJsonText', () => {
  const text = '{\n  "initializer_factor": 1.0,\n  "text_config": {\n    "vocab_size": 320,\n    "rope_theta": 10000.0\n  },\n  "vocab_size": 32000\n}\n'

  it('replaces values and keeps every other byte, including float spellings', () => {
    const out = editJsonText(text, [{ path: ['vocab_size'], value: 32003 }, { path: ['text_config', 'vocab_size'], value: 322 }])
    expect(out).toBe(text.replace('32000', '32003').replace('320,', '322,'))
    expect(out).toContain('"initializer_factor": 1.0')
    expect(out).toContain('10000.0')
  })

  it('adds a missing key where the key order of the file puts it (sorted files stay sorted), same indentation', () => {
    const out = editJsonText(text, [{ path: ['tie_word_embeddings'], value: false }])
    expect(JSON.parse(out).tie_word_embeddings).toBe(false)
    expect(out).toContain('  },\n  "tie_word_embeddings": false,\n  "vocab_size": 32000\n}')
    const unsorted = '{\n  "b": 1,\n  "a": 2\n}\n'
    expect(editJsonText(unsorted, [{ path: ['c'], value: 3 }])).toBe('{\n  "b": 1,\n  "a": 2,\n  "c": 3\n}\n')
    const nested = editJsonText(text, [{ path: ['text_config', 'tie_word_embeddings'], value: false }])
    expect(JSON.parse(nested).text_config).toEqual({ vocab_size: 320, rope_theta: 10000, tie_word_embeddings: false })
  })

  it('handles compact JSON, empty objects, strings with escapes and brackets', () => {
    expect(JSON.parse(editJsonText('{"a":"x\\"}{","b":[1,{"c":2}]}', [{ path: ['b'], value: 3 }]))).toEqual({ a: 'x"}{', b: 3 })
    expect(JSON.parse(editJsonText('{}', [{ path: ['a'], value: 1 }]))).toEqual({ a: 1 })
  })

  it('refuses malformed JSON with BAD_CONFIG', () => {
    expect(() => editJsonText('{"a" 1}', [{ path: ['a'], value: 2 }])).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }))
  })
})
