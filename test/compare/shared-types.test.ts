/**
 * src/shared/compare.ts mirrors the core result types for the UI (src/shared may import nothing
 * outside itself). These checks fail `tsc` when a core type drifts from its mirror; the runtime
 * part checks that a real result is plain JSON, as the API needs.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as Core from '../../src/core/compare/compute-metrics'
import type * as CoreView from '../../src/core/compare/tokenize-view'
import type * as CoreDiff from '../../src/core/compare/vocab-diff'
import type * as CoreChat from '../../src/core/compare/render-chat'
import type * as CoreLoad from '../../src/core/compare/load-tokenizer'
import type * as Shared from '../../src/shared/compare'
import { tokenizeView } from '../../src/core/compare/tokenize-view'
import { computeMetrics } from '../../src/core/compare/compute-metrics'
import { vocabDiff } from '../../src/core/compare/vocab-diff'
import { renderChat } from '../../src/core/compare/render-chat'
import { fixtureDir } from './fixture-dirs'

/** Both ways where the mirror is exact; core → shared where the core type carries more (JsonValue's key-order symbols). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assignable<A, B> = [A] extends [B] ? true : false

const checks: {
  view: Same<CoreView.ViewToken, Shared.ViewToken>
  viewEntry: Same<CoreView.TokenizeViewEntry, Shared.TokenizeViewEntry>
  viewResult: Same<CoreView.TokenizeViewResult, Shared.TokenizeViewResult>
  metrics: Same<Core.TokenizerMetrics, Shared.TokenizerMetrics>
  group: Same<Core.MetricsGroup, Shared.MetricsGroup>
  metricsResult: Same<Core.MetricsResult, Shared.MetricsResult>
  progress: Same<Core.CompareProgress, Shared.CompareProgress>
  alphabet: Same<CoreLoad.PieceAlphabet, Shared.PieceAlphabet>
  normalization: Same<CoreDiff.VocabNormalization, Shared.VocabNormalization>
  diffToken: Same<CoreDiff.DiffToken, Shared.DiffToken>
  remap: Same<CoreDiff.RemapRow, Shared.RemapRow>
  side: Same<CoreDiff.VocabSide, Shared.VocabSide>
  section: Assignable<CoreDiff.SectionDiff, Shared.SectionDiff>
  diff: Assignable<CoreDiff.VocabDiffResult, Shared.VocabDiffResult>
  chat: Same<CoreChat.RenderChatResult, Shared.RenderChatResult>
  /** A message copied into an object literal (as the worker does) is a core ChatMessage. */
  chatMessage: Assignable<{ [K in keyof Shared.CompareChatMessage]: Shared.CompareChatMessage[K] }, CoreChat.ChatMessage>
} = {
  view: true,
  viewEntry: true,
  viewResult: true,
  metrics: true,
  group: true,
  metricsResult: true,
  progress: true,
  alphabet: true,
  normalization: true,
  diffToken: true,
  remap: true,
  side: true,
  section: true,
  diff: true,
  chat: true,
  chatMessage: true,
}

describe('shared compare types', () => {
  it('core results are assignable to their shared mirrors (checked by tsc)', () => {
    expectTypeOf<CoreDiff.VocabDiffResult>().toExtend<Shared.VocabDiffResult>()
    expectTypeOf<Core.MetricsResult>().toEqualTypeOf<Shared.MetricsResult>()
    expect(Object.values(checks).every(Boolean)).toBe(true)
  })

  it('results are plain JSON (what crosses threads and the API)', async () => {
    const tokenizers = [fixtureDir('mistral'), fixtureDir('qwen3')]
    const text = 'Tokens 😀 你好'
    const results: unknown[] = [
      await tokenizeView({ tokenizers, text }),
      await computeMetrics({ tokenizers, text }),
      await vocabDiff({ a: tokenizers[0], b: tokenizers[1], limit: 3, remapLimit: 3 }),
      await renderChat({ tokenizer: tokenizers[1], messages: [{ role: 'user', content: text }] }),
    ]
    for (const r of results) expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })
})
