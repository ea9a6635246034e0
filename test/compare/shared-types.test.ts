/**
 * The compare result types are defined once, in src/shared/compare.ts (src/shared may import
 * nothing outside itself), and src/core/compare imports and re-exports them. These checks fail
 * `tsc` if a core module grows its own copy again and it drifts from the contract; the runtime part
 * checks that a real result is plain JSON, as the API needs.
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

/** The core name is the shared type (or one exactly like it). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** Core → shared where the core type carries more (ChatMessage takes any content and extra keys). */
type Assignable<A, B> = [A] extends [B] ? true : false

const checks: {
  view: Same<CoreView.ViewToken, Shared.ViewToken>
  viewEntry: Same<CoreView.TokenizeViewEntry, Shared.TokenizeViewEntry>
  viewResult: Same<CoreView.TokenizeViewResult, Shared.TokenizeViewResult>
  metrics: Same<Core.TokenizerMetrics, Shared.TokenizerMetrics>
  group: Same<Core.MetricsGroup, Shared.MetricsGroup>
  metricsResult: Same<Core.MetricsResult, Shared.MetricsResult>
  tokenizerInfo: Same<Core.MetricsTokenizerInfo, Shared.MetricsTokenizerInfo>
  progress: Same<Core.CompareProgress, Shared.CompareProgress>
  alphabet: Same<CoreLoad.PieceAlphabet, Shared.PieceAlphabet>
  normalization: Same<CoreDiff.VocabNormalization, Shared.VocabNormalization>
  diffToken: Same<CoreDiff.DiffToken, Shared.DiffToken>
  diffList: Same<CoreDiff.DiffList, Shared.DiffList>
  remap: Same<CoreDiff.RemapRow, Shared.RemapRow>
  side: Same<CoreDiff.VocabSide, Shared.VocabSide>
  section: Same<CoreDiff.SectionDiff, Shared.SectionDiff>
  diff: Same<CoreDiff.VocabDiffResult, Shared.VocabDiffResult>
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
  tokenizerInfo: true,
  progress: true,
  alphabet: true,
  normalization: true,
  diffToken: true,
  diffList: true,
  remap: true,
  side: true,
  section: true,
  diff: true,
  chat: true,
  chatMessage: true,
}

describe('shared compare types', () => {
  it('core results are the shared contract types (checked by tsc)', () => {
    expectTypeOf<CoreDiff.VocabDiffResult>().toEqualTypeOf<Shared.VocabDiffResult>()
    expectTypeOf<Core.MetricsResult>().toEqualTypeOf<Shared.MetricsResult>()
    expectTypeOf<CoreView.TokenizeViewResult>().toEqualTypeOf<Shared.TokenizeViewResult>()
    expectTypeOf<CoreChat.RenderChatResult>().toEqualTypeOf<Shared.RenderChatResult>()
    // The engine's functions return the contract types themselves.
    expectTypeOf(vocabDiff).returns.resolves.toEqualTypeOf<Shared.VocabDiffResult>()
    expectTypeOf(computeMetrics).returns.resolves.toEqualTypeOf<Shared.MetricsResult>()
    expectTypeOf(tokenizeView).returns.resolves.toEqualTypeOf<Shared.TokenizeViewResult>()
    expectTypeOf(renderChat).returns.resolves.toEqualTypeOf<Shared.RenderChatResult>()
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
