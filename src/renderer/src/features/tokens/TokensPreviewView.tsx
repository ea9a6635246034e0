import type { TokenizedText, TokensPreview } from '../../../../shared/api'
import { formatInt } from '../../lib/format'

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
              {t.replace(/ /g, '·').replace(/\n/g, '↵')}
            </span>
          )
        })}
      </p>
    </div>
  )
}

export function TokensPreviewView({ preview }: { preview: TokensPreview }) {
  const saved = preview.before.ids.length - preview.after.ids.length
  return (
    <div className="tok-preview">
      <TokenRow label="Before" text={preview.before} newFrom={null} />
      <TokenRow label="After" text={preview.after} newFrom={preview.oldSize} />
      <p className="subtle">
        Tokenizer {formatInt(preview.oldSize)} → {formatInt(preview.newSize)} tokens
        {saved > 0 ? ` · the sample takes ${formatInt(saved)} fewer token${saved === 1 ? '' : 's'}` : saved < 0 ? ` · the sample takes ${formatInt(-saved)} more` : ''}.
      </p>
      {preview.added.length ? (
        <ul className="added-list" aria-label="Tokens to add">
          {preview.added.map((a) => (
            <li key={a.id}>
              <span className="mono tok-chip new">{a.content}</span> → id {formatInt(a.id)}
              {a.special ? <span className="chip">special</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {preview.skipped.length ? (
        <ul className="skipped-list" aria-label="Skipped tokens">
          {preview.skipped.map((s, i) => (
            <li key={i}>
              <span className="mono tok-chip">{s.content}</span> skipped: {SKIP_REASON[s.reason] ?? s.reason}
            </li>
          ))}
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
}
