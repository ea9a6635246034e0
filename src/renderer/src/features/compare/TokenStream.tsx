import { Fragment, memo, useId, useMemo, useState, type KeyboardEvent, type ReactNode } from 'react'
import type { ViewToken } from '../../../../shared/compare'
import { formatInt } from '../../lib/format'
import { hex, tokenTitle, visible, visibleRuns } from './compare-lib'
import { drawnSegments } from './drawn-segments'

/** Tokens drawn before "Show all": enough for a page of text, cheap to render four times. */
const FIRST_TOKENS = 4000

function Visible({ text }: { text: string }) {
  return (
    <>
      {visibleRuns(text).map((r, i) =>
        r.ws ? (
          <span key={i} className="cmp-ws" aria-hidden="true">
            {r.text}
          </span>
        ) : (
          <Fragment key={i}>{r.text}</Fragment>
        ),
      )}
    </>
  )
}

/** Byte pieces inside a cluster, compactly: "<0xF0><0x9F>" as "F0 9F" (the tooltip keeps the stored token). */
function compactBytes(display: string): string {
  return display.replace(/(?:<0x([0-9A-Fa-f]{2})>)+/g, (run) => run.slice(3, -1).split('><0x').join('\u2009'))
}

function tokenClass(t: ViewToken, active: boolean, isNew: boolean): string {
  const c = ['cmp-tok', `cmp-hue-${t.index % 5}`]
  if (isNew) c.push('cmp-tok-new')
  if (t.special) c.push('cmp-tok-special')
  else if (t.unknown) c.push('cmp-tok-unknown')
  else if (t.byteFallback) c.push('cmp-tok-byte')
  if (active) c.push('cmp-active')
  return c.join(' ')
}

/**
 * One tokenizer's tokens over the text, boundaries in alternating hues, whitespace visible.
 * Special tokens, byte pieces and unknown tokens are marked; each token's id, stored string and
 * bytes show on hover (tooltip) and, for the keyboard, for the active token (arrow keys) below.
 * Slices come from the UTF-16 offsets; byte pieces sharing one character are drawn as a cluster.
 * Memoised: a parent's busy flag or keystroke must not redraw thousands of chips.
 */
export const TokenStream = memo(function TokenStream({ text, tokens, label, count, newFrom }: { text: string; tokens: ViewToken[]; label: string; count: number; /** Ids from here on are new (the Tokens preview): drawn as new. */ newFrom?: number }) {
  const uid = useId()
  const [showAll, setShowAll] = useState(false)
  const [active, setActive] = useState<number | null>(null)
  const shown = useMemo(() => (showAll ? tokens : tokens.slice(0, FIRST_TOKENS)), [tokens, showAll])
  // Only the drawn tokens' stretch of the text: the rest of a long paste is not drawn at all.
  const segs = useMemo(() => drawnSegments(text, shown, shown.length >= count), [text, shown, count])
  const optionId = (i: number) => `${uid}-t${i}`
  const activeToken = active !== null ? shown[active] : undefined

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (shown.length === 0) return
    const last = shown.length - 1
    const cur = active ?? -1
    let next: number | null = null
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(last, cur + 1)
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, cur < 0 ? 0 : cur - 1)
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = last
    else if (e.key === 'PageDown') next = Math.min(last, cur + 20)
    else if (e.key === 'PageUp') next = Math.max(0, cur - 20)
    else if (e.key === 'Escape') {
      setActive(null)
      return
    }
    if (next === null) return
    e.preventDefault()
    setActive(next)
    document.getElementById(optionId(next))?.scrollIntoView({ block: 'nearest' })
  }

  const chip = (t: ViewToken, i: number, content: ReactNode) => (
    <span
      key={t.index}
      id={optionId(i)}
      role="option"
      aria-selected={active === i}
      className={tokenClass(t, active === i, newFrom !== undefined && t.id >= newFrom)}
      title={tokenTitle(t, text)}
      data-id={t.id}
      onClick={() => setActive(i)}
    >
      {content}
    </span>
  )

  let i = 0
  const nodes: ReactNode[] = []
  for (const [k, s] of segs.entries()) {
    const slice = text.slice(s.start16, s.end16)
    if (s.kind === 'gap') {
      nodes.push(
        <span key={`g${k}`} className="cmp-tok-gap" title="Not part of any token (dropped by the normalizer or pre-tokenizer)">
          <Visible text={slice} />
        </span>,
      )
    } else if (s.tokens.length === 1) {
      const t = s.tokens[0]
      const content = t.end16 <= t.start16 || slice === '' ? t.special ? t.token : <Visible text={t.display} /> : <Visible text={slice} />
      nodes.push(chip(t, i++, content))
    } else {
      nodes.push(
        <span key={`c${k}`} className="cmp-tok-cluster" title={`${s.tokens.length} tokens share ${JSON.stringify(slice)}: each is some of its UTF-8 bytes`}>
          <span className="cmp-tok-cluster-text" aria-hidden="true">
            <Visible text={slice} />
          </span>
          <span className="cmp-tok-cluster-pieces">{s.tokens.map((t) => chip(t, i++, <Visible text={compactBytes(t.display)} />))}</span>
        </span>,
      )
    }
    if (slice.endsWith('\n')) nodes.push(<br key={`br${k}`} />)
  }

  return (
    <div className="cmp-token-stream-wrap">
      <div
        className="cmp-token-stream"
        role="listbox"
        tabIndex={0}
        aria-label={`Tokens of ${label}: ${formatInt(count)}. Arrow keys step through them.`}
        aria-activedescendant={active !== null ? optionId(active) : undefined}
        onKeyDown={onKey}
        onFocus={() => setActive((a) => (a === null && shown.length ? 0 : a))}
      >
        {nodes}
      </div>
      {tokens.length > shown.length ? (
        <button type="button" className="link" onClick={() => setShowAll(true)}>
          Show all {formatInt(tokens.length)} tokens (drawn: {formatInt(shown.length)})
        </button>
      ) : null}
      <p className="cmp-token-detail mono" aria-live="polite">
        {activeToken ? (
          <>
            <span>#{activeToken.index}</span>
            <span>id {activeToken.id}</span>
            <span>{JSON.stringify(activeToken.token)}</span>
            <span>{activeToken.bytes.length ? `bytes ${hex(activeToken.bytes)}` : 'no bytes'}</span>
            <span>{activeToken.end16 > activeToken.start16 ? `text ${JSON.stringify(visible(text.slice(activeToken.start16, activeToken.end16)))}` : 'inserted'}</span>
            {activeToken.special ? <span className="cmp-flag">special</span> : null}
            {activeToken.byteFallback ? <span className="cmp-flag">byte piece</span> : null}
            {activeToken.unknown ? <span className="cmp-flag">unknown</span> : null}
          </>
        ) : (
          <span className="subtle">Hover a token, or focus the tokens and use the arrow keys, to see its id and bytes.</span>
        )}
      </p>
    </div>
  )
})
