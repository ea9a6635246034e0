import { useEffect, useMemo, useRef, useState } from 'react'
import { MAX_COMPARE_TEXT_BYTES, type CompareTextResult } from '../../../../shared/compare'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import { formatInt } from '../../lib/format'
import { DEMO_TEXT, fmt, LETTERS, utf8Bytes, type ChosenTokenizer } from './compare-lib'
import { MetricsPanel } from './MetricsPanel'
import { TokenStream } from './TokenStream'

/** Wait after the last keystroke before tokenizing again. */
const DEBOUNCE_MS = 450
/**
 * A text longer than this (UTF-16 units, about five pages) is "large": its tokens outnumber what a
 * column can usefully draw, so the view switches at once to full-text counts and metrics with only
 * the first LARGE_VIEW_TOKENS tokens listed, and says so.
 */
export const LARGE_TEXT_CHARS = 20_000
/**
 * Tokens per column asked for and drawn for a large text: five screens of a column. All 20,000
 * made a 13 MB reply for 154k characters × 3 tokenizers, and parsing and drawing it froze the page.
 */
export const LARGE_VIEW_TOKENS = 1000
/** Typing in a large text: each retokenization takes a second or more, so wait for a longer pause. */
const LARGE_DEBOUNCE_MS = 1200
/** A change this big at once (a paste, a cut) is sent without waiting for more keystrokes. */
const JUMP_CHARS = 1000
/** A request must fit the web-mode WebSocket message (1 MiB) with its JSON envelope. */
const MAX_MESSAGE_BYTES = 1_040_000

interface Shown {
  text: string
  paths: string[]
  labels: string[]
  data: CompareTextResult
}

/** The same text tokenized side by side, with counts and metrics; retokenized as you type. */
export function TextTab({ chosen, onOpenCorpus }: { chosen: ChosenTokenizer[]; /** Switches to the Corpus tab (the notice of a large text offers it). */ onOpenCorpus?: () => void }) {
  const [text, setText] = useState(DEMO_TEXT)
  const [addSpecial, setAddSpecial] = useState(false)
  const [shown, setShown] = useState<Shown | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [busy, setBusy] = useState(false)
  const seq = useRef(0)
  /** The length of the text last sent, to tell a paste from typing. */
  const sentLength = useRef(0)
  /** This tab's session: a newer request of it cancels the older one in the worker. */
  const session = useRef(`text-${Math.random().toString(36).slice(2)}`)
  const bytes = useMemo(() => utf8Bytes(text), [text])
  const chars = useMemo(() => codePoints(text), [text])
  const large = text.length > LARGE_TEXT_CHARS
  const paths = chosen.map((c) => c.path)
  const key = JSON.stringify([paths, text, addSpecial])
  const ready = chosen.length >= 2

  useEffect(() => {
    if (!ready) return
    const labels = chosen.map((c) => c.label)
    if (bytes > MAX_COMPARE_TEXT_BYTES || utf8Bytes(JSON.stringify(text)) > MAX_MESSAGE_BYTES) {
      setError({ code: 'BAD_REQUEST', message: `The text is ${formatInt(bytes)} bytes; the side-by-side view takes at most ${formatInt(MAX_COMPARE_TEXT_BYTES)}.`, hint: 'Save it as a .txt file and use the Corpus tab for metrics on large texts.' })
      return
    }
    const my = ++seq.current
    const jump = Math.abs(text.length - sentLength.current) >= JUMP_CHARS
    const timer = setTimeout(
      () => {
        setBusy(true)
        sentLength.current = text.length
        const params = { tokenizers: paths, text, addSpecialTokens: addSpecial, session: session.current, ...(large ? { viewTokens: LARGE_VIEW_TOKENS } : {}) }
        call('compare.text', params).then(
          (data) => {
            if (my !== seq.current) return
            setShown({ text, paths, labels, data })
            setError(null)
            setBusy(false)
          },
          (e) => {
            if (my !== seq.current) return
            setError(errorInfoOf(e))
            setBusy(false)
          },
        )
      },
      !shown || jump ? 0 : large ? LARGE_DEBOUNCE_MS : DEBOUNCE_MS,
    )
    return () => clearTimeout(timer)
    // `key` stands for paths, text and addSpecial; labels follow the paths.
  }, [key, ready])

  // The result on screen may be for the previous choice until the new one arrives: label it by its own paths.
  const labels = shown ? shown.paths.map((p, i) => chosen.find((c) => c.path === p)?.label ?? shown.labels[i]) : []

  // The columns are drawn again only when a new result (or label) arrives, never on a keystroke:
  // thousands of chips per column made typing in a long text lag.
  const labelsKey = labels.join('\u0000')
  const results = useMemo(
    () =>
      (ready && shown ? (
        <>
          <Legend />
          <div className={`cmp-token-columns cmp-cols-${shown.data.view.entries.length}`} aria-busy={busy}>
            {shown.data.view.entries.map((e, i) => {
              const info = shown.data.metrics.tokenizers[i]
              const m = shown.data.metrics.total.perTokenizer[i]
              return (
                <section key={i} className={`cmp-token-column cmp-series-border-${i}`} aria-label={`${labels[i]}: ${e.count} tokens`} data-tokenizer={labels[i]}>
                  <header className="cmp-token-column-head">
                    <h3>
                      <span className={`cmp-letter cmp-letter-${i}`} aria-hidden="true">
                        {LETTERS[i]}
                      </span>{' '}
                      <span className="cmp-column-label">{labels[i]}</span>
                    </h3>
                    <p className="subtle">
                      {info.modelType} · {info.alphabet} · {formatInt(info.size)} tokens in the vocabulary
                    </p>
                    <p className="cmp-token-count">
                      <strong className="cmp-count">{formatInt(e.count)}</strong> tokens · {fmt(m.charsPerToken)} chars/token
                    </p>
                    <p className="cmp-token-flags">
                      {e.specialCount ? <span className="cmp-flag cmp-flag-special">{formatInt(e.specialCount)} special</span> : null}
                      {e.byteFallbackCount ? <span className="cmp-flag cmp-flag-byte">{formatInt(e.byteFallbackCount)} byte pieces</span> : null}
                      {e.unknownCount ? <span className="cmp-flag cmp-flag-unknown">{formatInt(e.unknownCount)} unknown</span> : null}
                      {!e.roundTrip ? (
                        <span className="cmp-flag" title="decode(encode(text)) is not the text: usual with normalizers (NFC, lowercasing, stripped spaces)">
                          decoding changes the text
                        </span>
                      ) : null}
                    </p>
                  </header>
                  {e.truncated ? <p className="subtle">Showing the first {formatInt(e.tokens.length)} of {formatInt(e.count)} tokens.</p> : null}
                  <TokenStream text={shown.text} tokens={e.tokens} label={labels[i]} count={e.count} />
                </section>
              )
            })}
          </div>
          <h2 className="cmp-section-title">Metrics on this text</h2>
          <MetricsPanel metrics={shown.data.metrics} labels={labels} title="Metrics on this text" />
        </>
      ) : null),
    // labelsKey stands for labels.
    [ready, shown, labelsKey, busy],
  )

  return (
    <div className="cmp-text-tab">
      <div className="cmp-text-input">
        <label htmlFor="compare-text" className="cmp-field-label">
          Text to tokenize
        </label>
        <textarea id="compare-text" value={text} spellCheck={false} rows={6} onChange={(e) => setText(e.target.value)} />
        <div className="cmp-text-input-bar">
          <span className="subtle">
            {formatInt(chars)} characters · {formatInt(bytes)} bytes
          </span>
          <label className="cmp-check">
            <input type="checkbox" checked={addSpecial} onChange={(e) => setAddSpecial(e.target.checked)} /> Add special tokens (BOS/EOS, as the post-processor would)
          </label>
          <button type="button" className="link" onClick={() => setText(DEMO_TEXT)} disabled={text === DEMO_TEXT}>
            Reset to the demo text
          </button>
          <span className="subtle" role="status" aria-live="polite">
            {!ready ? '' : busy ? 'Tokenizing…' : shown ? `Tokenized in ${fmt(shown.data.metrics.wallMs, 0)} ms` : ''}
          </span>
        </div>
      </div>
      {ready && large ? (
        <div className="notice cmp-large-notice" role="note">
          <span>
            Large text: token counts and metrics cover all {formatInt(chars)} characters; each column draws only its first {formatInt(LARGE_VIEW_TOKENS)} tokens. Typing waits for a pause before counting again.
            For files or more than 1 MB, use the Corpus tab.
          </span>
          {onOpenCorpus ? (
            <button type="button" className="link" onClick={onOpenCorpus}>
              Open Corpus
            </button>
          ) : null}
        </div>
      ) : null}
      {!ready ? <p className="empty">Choose at least two tokenizers above to see the text side by side.</p> : null}
      {error ? <ErrorNote error={error} /> : null}
      {results}
    </div>
  )
}

/** Code points, without building an array of a long text's characters on every keystroke. */
function codePoints(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

function Legend() {
  return (
    <p className="cmp-legend subtle" aria-label="How tokens are drawn">
      <span>
        <span className="cmp-tok cmp-hue-0">to</span>
        <span className="cmp-tok cmp-hue-1">ken</span>
        <span className="cmp-tok cmp-hue-2">s</span> alternate colours at each boundary
      </span>
      <span>
        <span className="cmp-ws">␣</span> space <span className="cmp-ws">⇥</span> tab <span className="cmp-ws">⏎</span> newline
      </span>
      <span>
        <span className="cmp-tok cmp-tok-special">&lt;s&gt;</span> special
      </span>
      <span>
        <span className="cmp-tok cmp-tok-byte">F0</span> byte piece: some of a character's UTF-8 bytes (hex)
      </span>
      <span>
        <span className="cmp-tok cmp-tok-unknown">&lt;unk&gt;</span> unknown
      </span>
    </p>
  )
}
