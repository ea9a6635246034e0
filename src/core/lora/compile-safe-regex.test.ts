import { describe, expect, it } from 'vitest'
import { compileSafeRegex } from './compile-safe-regex'

function m(pattern: string, text: string): boolean {
  const re = compileSafeRegex(pattern)
  if ('unsupported' in re) throw new Error(re.unsupported)
  return re.matchesAtStart(text)
}

describe('compileSafeRegex', () => {
  const paths = ['model.layers.0.self_attn.q_proj', 'model.layers.11.self_attn.v_proj', 'model.layers.1.self_attn.v_proj', 'lm_head', 'model.layers.3.mlp.down_proj', 'xq_proj', 'a', '', 'aaa', 'ab{2}', 'a-b]c']
  const patterns = [
    'q_proj', '(.*\\.)?(q_proj)$', '(.*\\.)?(layers\\.1\\..*v_proj)$', '(.*\\.)?(^model.layers.0.self_attn.q_proj)$', '.*', 'a*', 'a+$', '(a|b)*$', 'a{2}', 'a{2,}$', 'a{1,2}$', 'a{,2}$', 'ab{2}',
    '[a-z_]+\\.', '[^.]+\\.layers', '\\w+\\.\\w+\\.\\d+\\.', '(?:model|lm)', 'model\\.layers\\.(0|3)\\.', '(?P<x>model)\\.', 'a-b[\\]]c', '[]a]', 'x?q_proj$', '(a*)*$', 'a??', '.*?proj$', '(|a)b',
  ]
  it('agrees with a backtracking engine on ordinary patterns (re.match = anchored at the start)', () => {
    for (const p of patterns) {
      const js = new RegExp('^(?:' + p.replace('(?P<x>', '(?<x>').replace('[]a]', '[\\]a]').replace('{,', '{0,') + ')', 'u')
      for (const t of paths) expect(m(p, t), `${p} on ${JSON.stringify(t)}`).toBe(js.test(t))
    }
  })

  it('answers the catastrophic-backtracking key ((\\w|\\.)*)*Z in milliseconds', () => {
    const t0 = performance.now()
    expect(m('(.*\\.)?(((\\w|\\.)*)*Z)$', 'model.layers.0.self_attn.q_proj')).toBe(false)
    expect(m('(.*\\.)?(((\\w|\\.)*)*Z)$', 'model.layers.0.self_attn.q_proj' + '.x'.repeat(2000))).toBe(false)
    expect(m('(a+)+$', 'a'.repeat(5000) + '!')).toBe(false)
    expect(performance.now() - t0).toBeLessThan(2000)
  })

  it('refuses syntax outside the safe subset with a reason', () => {
    for (const p of ['(?=a)', '(?!a)', '(?<=a)b', '(a)\\1', '(?i)a', '\\bq', 'a*+', '*a', '(a', 'a)', '[a', 'x'.repeat(1001), 'a{2000}', '(((a{1000}){1000}){1000})']) {
      const re = compileSafeRegex(p)
      expect('unsupported' in re, p).toBe(true)
    }
  })
})
