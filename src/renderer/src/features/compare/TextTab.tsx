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
/** A request must fit the web-mode WebSocket message (1 MiB) with its JSON envelope. */
const MAX_MESSAGE_BYTES = 1_040_000

interface Shown {
  text: string
  paths: string[]
  labels: string[]
  data: CompareTextResult
}

/** The same text tokenized side by side, with counts and metrics; retokenized as you type. */
export function TextTab({ chosen }: { chosen: ChosenTokenizer[] }) {
  const [text, setText] = useState(DEMO_TEXT)
  const [addSpecial, setAddSpecial] = useState(false)
  const [shown, setShown] = useState<Shown | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [busy, setBusy] = useState(false)
  const seq = useRef(0)
  const bytes = utf8Bytes(text)
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
    const timer = setTimeout(
      () => {
        setBusy(true)
        call('compare.text', { tokenizers: paths, text, addSpecialTokens: addSpecial }).then(
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
      shown ? DEBOUNCE_MS : 0,
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
            {formatInt([...text].length)} characters · {formatInt(bytes)} bytes
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
      {!ready ? <p className="empty">Choose at least two tokenizers above to see the text side by side.</p> : null}
      {error ? <ErrorNote error={error} /> : null}
      {results}
    </div>
  )
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
