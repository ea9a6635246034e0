import { useState } from 'react'
import type { TokenizedText, TokensPreview } from '../../../../shared/api'
import { showToken } from '../../../../shared/visible-token'
import { formatInt } from '../../lib/format'
import { TokenStream } from '../compare/TokenStream'
import '../compare/compare.css'

/** Added and skipped tokens drawn one by one; a long list (a file of thousands) shows this many and a count. */
const LIST_MAX = 200

/** A token as the preview shows it: spaces as "·", newlines as "↵". */
const visible = (t: string) => t.replace(/ /g, '·').replace(/\n/g, '↵')

/** Text as tokens: each token a chip with alternating colours; the new tokens stand out. */
function TokenRow({ label, text, newFrom }: { label: string; text: TokenizedText; newFrom: number | null }) {
  return (
    <div className="tok-row">
      <div className="tok-row-head">
        <span className="tok-row-label">{label}</span>
        <span className="subtle">{formatInt(text.ids.length)} tokens</span>
      </div>
      <p className="tok-flow" aria-label={`${label}: ${text.tokens.join(' | ')}`}>
        {text.tokens.length === 0 ? <span className="subtle">(no tokens)</span> : null}
        {text.tokens.map((t, i) => {
          const isNew = newFrom !== null && text.ids[i] >= newFrom
          return (
            <span key={i} className={isNew ? 'tok tok-new' : i % 2 ? 'tok tok-b' : 'tok tok-a'} title={`id ${text.ids[i]}${isNew ? ' (new)' : ''}`}>
              {visible(t)}
            </span>
          )
        })}
      </p>
    </div>
  )
}

const ROLE_LABEL: Record<string, string> = { intermediate: 'partial', character: 'character' }
const ROLE_TEXT: Record<string, string> = {
  intermediate: 'A step of a merge chain: the merges build the word from it. It gets an embedding row too.',
  character: 'A character the vocabulary lacked (it used byte fallback before).',
}

/** The sample as text: each token decoded (␣new, byte pieces as bytes), drawn by the Compare screen's TokenStream. */
function DecodedRow({ label, text, tokens, count, newFrom }: { label: string; text: string; tokens: NonNullable<TokensPreview['view']>['before']; count: number; newFrom?: number }) {
  return (
    <div className="tok-row">
      <div className="tok-row-head">
        <span className="tok-row-label">{label}</span>
        <span className="subtle">{formatInt(count)} tokens</span>
      </div>
      <TokenStream text={text} tokens={tokens} label={label} count={count} newFrom={newFrom} />
    </div>
  )
}

/**
 * The sample before and after, the new ids and (extending the vocabulary) the pieces and merges.
 * `text` is the sample this preview was computed for. Tokens read as text by default, as Compare
 * draws them; "stored pieces" shows the vocabulary strings (Ġ, ▁, <0xNN>) instead.
 */
export function TokensPreviewView({ preview, note, text }: { preview: TokensPreview; note?: string | null; text?: string }) {
  const [stored, setStored] = useState(false)
  const saved = preview.before.ids.length - preview.after.ids.length
  const vocab = preview.vocab
  const decoded = preview.view && text !== undefined && !stored
  return (
    <div className="tok-preview">
      {decoded ? (
        <div className="compare-screen tok-decoded">
          <DecodedRow label="Before" text={text} tokens={preview.view!.before} count={preview.before.ids.length} />
          <DecodedRow label="After" text={text} tokens={preview.view!.after} count={preview.after.ids.length} newFrom={preview.oldSize} />
        </div>
      ) : (
        <>
          <TokenRow label="Before" text={preview.before} newFrom={null} />
          <TokenRow label="After" text={preview.after} newFrom={preview.oldSize} />
        </>
      )}
      {preview.view ? (
        <label className="check-label tok-stored-toggle">
          <input type="checkbox" checked={stored} onChange={(e) => setStored(e.target.checked)} /> Show stored pieces (as the vocabulary spells them: Ġ, ▁, &lt;0xNN&gt;)
        </label>
      ) : null}
      <p className="subtle">
        Tokenizer {formatInt(preview.oldSize)} → {formatInt(preview.newSize)} tokens
        {saved > 0 ? ` · the sample takes ${formatInt(saved)} fewer token${saved === 1 ? '' : 's'}` : saved < 0 ? ` · the sample takes ${formatInt(-saved)} more` : ''}.
      </p>
      {note ? (
        <p className="field-warn" role="note">
          ⚠ {note}
        </p>
      ) : null}
      {vocab && vocab.tokens.length ? (
        <ul className="word-list" aria-label="Words to extend">
          {vocab.tokens.map((t) => (
            <li key={t.id}>
              <span className="mono">{JSON.stringify(t.content)}</span>
              <span className="word-split mono" title="How the tokenizer splits it now">
                {t.before.map((b, i) => (
                  <span key={i} className={i % 2 ? 'tok tok-b' : 'tok tok-a'}>
                    {visible(b)}
                  </span>
                ))}
              </span>
              →{' '}
              <span className={t.reachable ? 'mono tok-chip new' : 'mono tok-chip'}>{visible(t.piece)}</span> id {formatInt(t.id)}
              {t.reachable ? null : <span className="chip warn-chip">not produced</span>}
            </li>
          ))}
        </ul>
      ) : null}
      {preview.added.length ? (
        <div>
          {vocab ? <h4 className="preview-sub">New vocabulary pieces ({formatInt(preview.added.length)})</h4> : null}
          <ul className="added-list" aria-label={vocab ? 'New vocabulary pieces' : 'Tokens to add'}>
            {preview.added.slice(0, LIST_MAX).map((a) => (
              <li key={a.id}>
                <span className="mono tok-chip new">{vocab ? visible(a.content) : showToken(a.content)}</span> → id {formatInt(a.id)}
                {a.special ? <span className="chip">special</span> : null}
                {a.role && ROLE_LABEL[a.role] ? (
                  <span className="chip" title={ROLE_TEXT[a.role]}>
                    {ROLE_LABEL[a.role]}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
          {preview.added.length > LIST_MAX ? <p className="subtle">… and {formatInt(preview.added.length - LIST_MAX)} more (ids up to {formatInt(preview.added[preview.added.length - 1].id)}).</p> : null}
        </div>
      ) : null}
      {vocab && vocab.merges.length ? (
        <div>
          <h4 className="preview-sub">Merges appended, after the existing ones ({formatInt(vocab.merges.length)})</h4>
          <ul className="added-list merges-list mono" aria-label="Merges appended">
            {vocab.merges.map(([a, b], i) => (
              <li key={i}>
                {visible(a)} + {visible(b)} → {visible(a + b)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {preview.skipped.length ? (
        <ul className="skipped-list" aria-label="Skipped tokens">
          {preview.skipped.slice(0, LIST_MAX).map((s, i) => (
            <li key={i}>
              <span className="mono tok-chip">{showToken(s.content)}</span> skipped: {s.detail ?? SKIP_REASON[s.reason] ?? s.reason}
            </li>
          ))}
          {preview.skipped.length > LIST_MAX ? <li>… and {formatInt(preview.skipped.length - LIST_MAX)} more skipped</li> : null}
        </ul>
      ) : null}
      {preview.warnings.map((w, i) => (
        <p key={i} className="warn">
          ⚠ {w}
        </p>
      ))}
    </div>
  )
}

const SKIP_REASON: Record<string, string> = {
  empty: 'empty',
  repeated: 'listed twice',
  'in-vocab': 'already in the vocabulary (it keeps its id)',
  'already-added': 'already an added token',
  'added-token': 'already an added token (it is matched before the tokenizer runs)',
}
