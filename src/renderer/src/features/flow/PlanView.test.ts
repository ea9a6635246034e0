import { describe, expect, it } from 'vitest'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import type { PlanAdapter } from '../../../../shared/plan'
import { AdaptersTable } from './PlanView'

describe('AdaptersTable', () => {
  it('shows path, weight, r, alpha, scale and flags; one row per rank/alpha group', () => {
    const adapters: PlanAdapter[] = [
      { path: '/a/one', weight: 0.5, configR: 8, loraAlpha: 16, useRslora: true, useDora: false, groups: [{ rank: 8, alpha: 16, scale: 16 / Math.sqrt(8), modules: 7 }], fullTensors: 2 },
      { path: '/a/two', weight: 1, configR: 4, loraAlpha: 8, useRslora: false, useDora: true, groups: [{ rank: 4, alpha: 8, scale: 2, modules: 3 }, { rank: 2, alpha: 8, scale: 4, modules: 1 }], fullTensors: 0 },
    ]
    const html = renderToStaticMarkup(createElement(AdaptersTable, { adapters }))
    for (const s of ['/a/one', '0.5', '5.65685', 'rsLoRA', '2 replaced', '/a/two', 'DoRA', '>4<', '>2<', 'Scale s']) expect(html).toContain(s)
    expect(html.match(/<tr>/g)?.length).toBe(4) // header + 1 + 2
  })
})
