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

  it('appends a missing key with matching indentation', () => {
    const out = editJsonText(text, [{ path: ['tie_word_embeddings'], value: false }])
    expect(JSON.parse(out).tie_word_embeddings).toBe(false)
    expect(out).toContain('  "vocab_size": 32000,\n  "tie_word_embeddings": false\n}')
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
