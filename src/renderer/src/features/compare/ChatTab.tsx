import { useId, useState } from 'react'
import { MAX_COMPARE_CHAT_MESSAGES, type CompareChatEntry, type CompareChatMessage } from '../../../../shared/compare'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import { formatInt } from '../../lib/format'
import { LETTERS, visibleRuns, type ChosenTokenizer } from './compare-lib'
import { TokenStream } from './TokenStream'

const ROLES = ['system', 'user', 'assistant', 'tool']

const DEMO_CHAT: CompareChatMessage[] = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'What is the capital of Japan? 🗾' },
  { role: 'assistant', content: 'Tokyo (東京).' },
  { role: 'user', content: 'And its population?' },
]

interface Rendered {
  labels: string[]
  entries: CompareChatEntry[]
}

/** A conversation rendered with each tokenizer's chat template: the exact text and tokens the model receives. */
export function ChatTab({ chosen }: { chosen: ChosenTokenizer[] }) {
  const uid = useId()
  const [messages, setMessages] = useState<CompareChatMessage[]>(DEMO_CHAT)
  const [genPrompt, setGenPrompt] = useState(true)
  const [rendered, setRendered] = useState<Rendered | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [busy, setBusy] = useState(false)
  const ready = chosen.length >= 2

  const update = (i: number, m: Partial<CompareChatMessage>) => setMessages((ms) => ms.map((x, j) => (j === i ? { ...x, ...m } : x)))
  const move = (i: number, d: -1 | 1) =>
    setMessages((ms) => {
      const next = [...ms]
      ;[next[i], next[i + d]] = [next[i + d], next[i]]
      return next
    })
  const addMessage = () =>
    setMessages((ms) => {
      const last = ms.at(-1)?.role
      return [...ms, { role: last === 'user' ? 'assistant' : 'user', content: '' }]
    })

  const render = async () => {
    setBusy(true)
    setError(null)
    try {
      const entries = await call('compare.chat', { tokenizers: chosen.map((c) => c.path), messages, addGenerationPrompt: genPrompt })
      setRendered({ labels: chosen.map((c) => c.label), entries })
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="cmp-chat-tab">
      <ol className="cmp-chat-messages" aria-label="Conversation">
        {messages.map((m, i) => (
          <li key={i} className={`cmp-chat-message cmp-role-${ROLES.includes(m.role) ? m.role : 'other'}`}>
            <div className="cmp-chat-message-bar">
              <label htmlFor={`${uid}-role-${i}`} className="sr-only">
                Role of message {i + 1}
              </label>
              <select id={`${uid}-role-${i}`} value={m.role} onChange={(e) => update(i, { role: e.target.value })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
              <span className="subtle">message {i + 1}</span>
              <span className="cmp-chat-message-actions">
                <button type="button" className="btn small quiet" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move message ${i + 1} up`}>
                  ↑
                </button>
                <button type="button" className="btn small quiet" disabled={i === messages.length - 1} onClick={() => move(i, 1)} aria-label={`Move message ${i + 1} down`}>
                  ↓
                </button>
                <button type="button" className="btn small quiet" disabled={messages.length === 1} onClick={() => setMessages((ms) => ms.filter((_, j) => j !== i))} aria-label={`Remove message ${i + 1}`}>
                  ✕
                </button>
              </span>
            </div>
            <label htmlFor={`${uid}-content-${i}`} className="sr-only">
              Content of message {i + 1} ({m.role})
            </label>
            <textarea id={`${uid}-content-${i}`} rows={2} value={m.content} spellCheck={false} onChange={(e) => update(i, { content: e.target.value })} />
          </li>
        ))}
      </ol>
      <div className="cmp-chat-bar">
        <button type="button" className="btn" onClick={addMessage} disabled={messages.length >= MAX_COMPARE_CHAT_MESSAGES}>
          Add message
        </button>
        <label className="cmp-check">
          <input type="checkbox" checked={genPrompt} onChange={(e) => setGenPrompt(e.target.checked)} /> Add the generation prompt (the assistant turn that follows)
        </label>
        <button type="button" className="btn primary" onClick={() => void render()} disabled={!ready || busy}>
          {busy ? 'Rendering…' : 'Render with each template'}
        </button>
      </div>
      {!ready ? <p className="empty">Choose at least two tokenizers above.</p> : null}
      {error ? <ErrorNote error={error} /> : null}
      {rendered ? (
        <div className={`cmp-token-columns cmp-cols-${rendered.entries.length}`}>
          {rendered.entries.map((e, i) => (
            <section key={i} className={`cmp-token-column cmp-series-border-${i}`} aria-label={`Chat rendered by ${rendered.labels[i]}`}>
              <header className="cmp-token-column-head">
                <h3>
                  <span className={`cmp-letter cmp-letter-${i}`} aria-hidden="true">
                    {LETTERS[i]}
                  </span>{' '}
                  <span className="cmp-column-label">{rendered.labels[i]}</span>
                </h3>
                {e.ok ? (
                  <>
                    <p className="cmp-token-count">
                      <strong className="cmp-count">{formatInt(e.result.count)}</strong> tokens · {formatInt([...e.result.text].length)} characters
                    </p>
                    <p className="subtle" title={e.result.templateSource}>
                      Template “{e.result.templateName}” from {e.result.templateSource.split(/[\\/]/).pop()}
                    </p>
                  </>
                ) : null}
              </header>
              {e.ok ? (
                <>
                  {e.result.warnings.map((w, k) => (
                    <p key={k} className="warn">
                      {w}
                    </p>
                  ))}
                  <details className="cmp-rendered-text">
                    <summary>Rendered text</summary>
                    <pre>
                      {visibleRuns(e.result.text).map((r, k) =>
                        r.ws ? (
                          <span key={k} className="cmp-ws">
                            {r.text}
                            {r.text === '⏎' ? '\n' : ''}
                          </span>
                        ) : (
                          r.text
                        ),
                      )}
                    </pre>
                  </details>
                  <TokenStream text={e.result.text} tokens={e.result.tokens} label={rendered.labels[i]} count={e.result.count} />
                </>
              ) : (
                <div className="cmp-no-template">
                  <ErrorNote error={e.error} compact />
                </div>
              )}
            </section>
          ))}
        </div>
      ) : null}
    </div>
  )
}
