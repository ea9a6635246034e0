import { useEffect, useRef, useState, type ChangeEvent } from 'react'
import type { InitKind, JobInfo, PlannedJobRequest, TokensPreview } from '../../../../shared/api'
import type { VocabTruthTable } from '../../../../shared/vocab'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import type { Navigate } from '../flow/nav'
import { OperationFlow } from '../flow/OperationFlow'
import { PathField } from '../flow/PathField'
import { isAbsolutePath } from '../flow/paths'
import type { OutputField } from '../flow/use-output'
import { parsePositiveInt, parseTokens } from './parse-tokens'
import { showToken } from '../../../../shared/visible-token'
import { MODE_CHOICES, requestTokens, unreachableNote, vocabModeBlocker, type TokensMode } from './token-mode'
import { TokensPreviewView } from './TokensPreviewView'

/** The live preview waits this long after the last keystroke. */
const PREVIEW_DEBOUNCE_MS = 300
/** Lists up to this long get a per-line kind toggle; longer lists (files) take the one kind for every line. */
const MAX_KIND_ROWS = 200

type Role = 'pad' | 'bos' | 'eos' | 'unk'
const ROLES: { role: Role; label: string; hint: string }[] = [
  { role: 'pad', label: 'Padding token', hint: 'pad_token and pad_token_id' },
  { role: 'bos', label: 'Beginning of text', hint: 'bos_token and bos_token_id' },
  { role: 'eos', label: 'End of text', hint: 'eos_token and eos_token_id (generation stops here)' },
  { role: 'unk', label: 'Unknown token', hint: 'unk_token' },
]

export const INIT_CHOICES: { value: InitKind; label: string; text: string }[] = [
  { value: 'trained-mean', label: 'Mean of trained rows', text: 'The mean of the rows that were trained (all-zero rows left out). A safe default.' },
  { value: 'mean', label: 'Mean of all rows', text: 'The mean of every existing row.' },
  { value: 'subtoken-mean', label: 'Mean of the sub-tokens', text: 'Each new token starts as the mean of the rows of the pieces the old tokenizer splits it into.' },
  { value: 'mean-noise', label: 'Mean plus small noise', text: 'The mean plus small seeded noise, as transformers does, so new rows differ.' },
  { value: 'zeros', label: 'Zeros', text: 'All-zero rows.' },
]

/**
 * Add tokens: choose added tokens or a vocabulary extension, type or load them, choose flags and
 * init, watch the live preview, then plan and run.
 */
export function AddTokensFlow({ base, baseError, table, output, jobs, navigate }: { base: string; baseError: string | null; table: VocabTruthTable | null; output: OutputField; jobs: JobInfo[]; navigate: Navigate }) {
  const [chosenMode, setMode] = useState<TokensMode>('added')
  const [wordStart, setWordStart] = useState(true)
  const [force, setForce] = useState(false)
  const [text, setText] = useState('')
  const [special, setSpecial] = useState(false)
  const [normalized, setNormalized] = useState<boolean | null>(null)
  const [lstrip, setLstrip] = useState(false)
  const [rstrip, setRstrip] = useState(false)
  const [singleWord, setSingleWord] = useState(false)
  const [init, setInit] = useState<InitKind>('trained-mean')
  const [pad, setPad] = useState('')
  const [roleChoice, setRoleChoice] = useState<Partial<Record<Role, string>>>({})
  /** Per-line kind, by token text: overrides the Kind radio for that line. */
  const [kinds, setKinds] = useState<Record<string, boolean>>({})
  const [previewText, setPreviewText] = useState('')
  const [sample, setSample] = useState('')
  const [fileNote, setFileNote] = useState<string | null>(null)
  const [preview, setPreview] = useState<TokensPreview | null>(null)
  const [previewError, setPreviewError] = useState<ErrorInfo | null>(null)
  const [previewing, setPreviewing] = useState(false)
  const fileRef = useRef<HTMLInputElement>(null)

  // A base whose tokenizer is not BPE cannot grow its vocabulary: only added tokens remain.
  const blocker = vocabModeBlocker(table?.tokenizerModel)
  const mode: TokensMode = blocker ? 'added' : chosenMode
  const vocab = mode === 'vocab'
  const { tokens, problems, edged } = parseTokens(text)
  const effNormalized = normalized ?? !special
  const perLine = !vocab && tokens.length <= MAX_KIND_ROWS
  const isSpecial = (t: string) => (perLine ? (kinds[t] ?? special) : special)
  const specialTokens = vocab ? [] : tokens.filter(isSpecial)
  const mixed = specialTokens.length > 0 && specialTokens.length < tokens.length
  const flags = { ...(normalized !== null ? { normalized } : {}), lstrip, rstrip, single_word: singleWord }
  const newTokens = vocab ? requestTokens(mode, tokens, { special: false, ...flags }, wordStart) : tokens.map((content) => ({ content, special: isSpecial(content), ...flags }))
  const sampleText = sample || (tokens.length ? `The new ${vocab ? 'words' : 'tokens'} in context: ${tokens.slice(0, 12).join(' ')}.` : '')
  const key = JSON.stringify([base, mode, newTokens, sampleText])
  // Role choices: each special token being added, and for pad also the base's eos ('' keeps the role).
  const baseEos = table?.roles?.eos ?? null
  const roleChoices = (role: Role) => [...new Set([...specialTokens, ...(role === 'pad' && baseEos ? [baseEos] : [])])]
  const rolesEff: Partial<Record<Role, string>> = {}
  if (!vocab) for (const { role } of ROLES) if (roleChoice[role] && roleChoices(role).includes(roleChoice[role]!)) rolesEff[role] = roleChoice[role]
  const padRoleEff = rolesEff.pad ?? ''

  useEffect(() => {
    if (!isAbsolutePath(base.trim()) || newTokens.length === 0 || problems.length) {
      setPreview(null)
      setPreviewError(null)
      return
    }
    let live = true
    setPreviewing(true)
    const t = setTimeout(() => {
      call('tokens.preview', { path: base.trim(), tokens: newTokens, text: sampleText, mode }).then(
        (p) => {
          if (!live) return
          setPreview(p)
          setPreviewText(sampleText)
          setPreviewError(null)
          setPreviewing(false)
        },
        (e) => {
          if (!live) return
          setPreview(null)
          setPreviewError(errorInfoOf(e))
          setPreviewing(false)
        },
      )
    }, PREVIEW_DEBOUNCE_MS)
    return () => {
      live = false
      clearTimeout(t)
    }
    // `key` stands for base, mode, tokens, flags and sample text.
  }, [key])

  const loadFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0]
    e.target.value = ''
    if (!f) return
    if (f.size > 4 << 20) {
      setFileNote(`${f.name} is ${(f.size / 1e6).toFixed(1)} MB; a token list is at most a few hundred KB.`)
      return
    }
    const content = await f.text()
    const parsed = parseTokens(content)
    setText(parsed.tokens.join('\n'))
    setFileNote(`Loaded ${parsed.tokens.length.toLocaleString('en-US')} token(s) from ${f.name}.`)
  }

  const build = (): PlannedJobRequest | string => {
    if (baseError) return baseError
    if (problems.length) return problems.join(' ')
    if (tokens.length === 0) return 'Type at least one token (one per line), or load a file.'
    const padN = parsePositiveInt(pad)
    if (Number.isNaN(padN)) return 'Pad to a multiple of: type a positive whole number, or leave it empty.'
    const out = output.out.trim()
    if (!isAbsolutePath(out)) return 'Choose an output folder: an absolute path (or one starting with ~/).'
    return { kind: 'tokens-add', params: { base: base.trim(), out, tokens: newTokens, init, ...(padN ? { padToMultipleOf: padN } : {}), ...(vocab ? { mode, force } : {}), ...(Object.keys(rolesEff).length ? { roles: rolesEff } : {}) } }
  }

  const initInfo = INIT_CHOICES.find((c) => c.value === init)!
  return (
    <OperationFlow
      id="tokens"
      jobs={jobs}
      build={build}
      runLabel={vocab ? 'Extend vocabulary' : 'Add tokens'}
      onStartOver={output.advance}
      onInspect={(path, newFrom) => navigate({ screen: 'inspect', path, newFrom })}
      onContinue={(path) => navigate({ screen: 'tokens', base: path })}
      resultExtra={(path) => (
        <button type="button" className="btn" onClick={() => navigate({ screen: 'compare', tokenizers: [base.trim(), path] })} title="Open Compare with the base's tokenizer and the output's, side by side">
          Compare tokenizers before/after
        </button>
      )}
      form={
        <div className="form-grid">
          <fieldset className="field span-2">
            <legend>What to add</legend>
            <div className="mode-choices">
              {MODE_CHOICES.map((c) => {
                const disabled = c.value === 'vocab' && blocker !== null
                return (
                  <label key={c.value} className={`mode-choice${mode === c.value ? ' checked' : ''}${disabled ? ' disabled' : ''}`}>
                    <input type="radio" name="tokens-mode" value={c.value} checked={mode === c.value} disabled={disabled} onChange={() => setMode(c.value)} aria-describedby={`tokens-mode-${c.value}-text`} />
                    <span className="mode-choice-body">
                      <span className="mode-choice-label">{c.label}</span>
                      <span id={`tokens-mode-${c.value}-text`} className="mode-choice-text">
                        {disabled ? blocker : c.text}
                      </span>
                    </span>
                  </label>
                )
              })}
            </div>
          </fieldset>

          <div className="field span-2">
            <div className="label-row">
              <label htmlFor="tokens-text">{vocab ? 'Words or word parts, one per line' : 'Tokens, one per line'}</label>
              <span className="subtle" data-testid="tokens-count">
                {tokens.length ? `${tokens.length.toLocaleString('en-US')} ${vocab ? 'word' : 'token'}${tokens.length === 1 ? '' : 's'}${mixed ? ` (${specialTokens.length.toLocaleString('en-US')} special)` : ''}` : ''}
              </span>
              <button type="button" className="btn small" onClick={() => fileRef.current?.click()}>
                Load from file…
              </button>
              <input ref={fileRef} type="file" accept=".txt,.json,text/plain,application/json" hidden onChange={(e) => void loadFile(e)} aria-label="Token file" />
            </div>
            <textarea id="tokens-text" className="mono" rows={5} spellCheck={false} placeholder={vocab ? 'καλημέρα\nευχαριστώ\nGraftwork' : '<tool_call>\n</tool_call>\nGraftwork'} value={text} onChange={(e) => setText(e.target.value)} aria-invalid={problems.length ? true : undefined} />
            {problems.map((p) => (
              <p key={p} className="field-error">
                {p}
              </p>
            ))}
            {edged.length && !vocab ? (
              <p className="field-warn" role="note">
                ⚠ {edged.length === 1 ? 'This token starts or ends' : `${edged.length} tokens start or end`} with whitespace, which becomes part of the token (“foo␣” is not “foo”): {edged.slice(0, 5).map((t) => `“${showToken(t)}”`).join(', ')}
                {edged.length > 5 ? ', …' : ''}
              </p>
            ) : null}
            {fileNote ? <p className="field-hint">{fileNote}</p> : null}
            {perLine && tokens.length ? (
              <ul className="kind-list" aria-label="Kind of each token">
                {tokens.map((t, i) => (
                  <li key={`${i}:${t}`}>
                    <span className="mono tok-chip">{showToken(t)}</span>
                    <label className="kind-toggle">
                      <input type="checkbox" checked={isSpecial(t)} onChange={(e) => setKinds({ ...kinds, [t]: e.target.checked })} aria-label={`${showToken(t)} is special`} /> special
                    </label>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>

          {vocab ? (
            <fieldset className="field span-2">
              <legend>Vocabulary options</legend>
              <div className="checks-col">
                <label className="check-label">
                  <input type="checkbox" checked={wordStart} onChange={(e) => setWordStart(e.target.checked)} /> Whole words: each line starts a word
                </label>
                <p className="field-hint">{wordStart ? `Each line is stored as a word as it appears after a space (the piece starts with the tokenizer’s word marker, ${table?.tokenizerModel?.kind === 'byte-level-bpe' ? 'Ġ' : '▁'}). Lines that start with a space are kept as typed.` : 'Lines are stored as typed: without a leading space, a line is a word part (a suffix such as “ίζω”) or a word at the very start of a text.'}</p>
                <label className="check-label">
                  <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Allow unreachable pieces
                </label>
                <p className="field-hint">Keep words that ordinary tokenization would still not produce as one token (their rows would never be used). Off: the plan refuses them.</p>
              </div>
            </fieldset>
          ) : null}

          <fieldset className="field" hidden={vocab}>
            <legend>Kind</legend>
            <div className="segmented">
              <label>
                <input type="radio" name="tokens-kind" checked={!special} onChange={() => (setSpecial(false), setKinds({}))} /> Regular
              </label>
              <label>
                <input type="radio" name="tokens-kind" checked={special} onChange={() => (setSpecial(true), setKinds({}))} /> Special
              </label>
            </div>
            <p className="field-hint">
              {special ? 'Special tokens are never split and can be skipped when decoding (like <|im_end|>).' : 'Regular added tokens: matched in text before the model’s own vocabulary.'}{' '}
              {perLine ? 'Sets every line; tick “special” per line in the list to mix.' : `Applies to every line (lists over ${MAX_KIND_ROWS} tokens take one kind).`}
            </p>
          </fieldset>

          <fieldset className="field" hidden={vocab}>
            <legend>AddedToken flags</legend>
            <div className="checks-row">
              <label title="Match against normalised text (default: on for regular tokens, off for special ones)">
                <input type="checkbox" checked={effNormalized} onChange={(e) => setNormalized(e.target.checked)} /> normalized
              </label>
              <label title="Swallow whitespace on the left">
                <input type="checkbox" checked={lstrip} onChange={(e) => setLstrip(e.target.checked)} /> lstrip
              </label>
              <label title="Swallow whitespace on the right">
                <input type="checkbox" checked={rstrip} onChange={(e) => setRstrip(e.target.checked)} /> rstrip
              </label>
              <label title="Match only whole words">
                <input type="checkbox" checked={singleWord} onChange={(e) => setSingleWord(e.target.checked)} /> single_word
              </label>
            </div>
          </fieldset>

          <fieldset className="field" hidden={vocab}>
            <legend>Roles</legend>
            <div className="roles-grid">
              {ROLES.map(({ role, label, hint }) => (
                <div key={role} className="role-field">
                  <label htmlFor={`tokens-${role}-role`} title={`Sets ${hint} in the tokenizer and configs`}>
                    {label}
                  </label>
                  <select id={`tokens-${role}-role`} value={rolesEff[role] ?? ''} onChange={(e) => setRoleChoice({ ...roleChoice, [role]: e.target.value })}>
                    <option value="">Keep ({table?.roles?.[role] ?? 'none'})</option>
                    {roleChoices(role).map((t) => (
                      <option key={t} value={t}>
                        {showToken(t)}
                        {role === 'pad' && t === baseEos ? ' (the eos)' : ' (new)'}
                      </option>
                    ))}
                  </select>
                </div>
              ))}
            </div>
            <p className="field-hint">{padRoleEff && padRoleEff === baseEos ? 'pad = eos is common, but a loss that masks padding also masks eos.' : 'Sets the role’s token and id in the tokenizer files, config.json and generation_config.json. Special tokens being added are offered.'}</p>
          </fieldset>

          <div className="field">
            <label htmlFor="tokens-init">New rows start as</label>
            <select id="tokens-init" value={init} onChange={(e) => setInit(e.target.value as InitKind)}>
              {INIT_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                  {c.value === 'trained-mean' ? ' (default)' : ''}
                </option>
              ))}
            </select>
            {init === 'zeros' ? (
              <p className="field-warn" role="note">
                ⚠ Zero rows are untrained rows: the new tokens get 0 logits, and training on text that contains them can produce NaN losses. Prefer a mean.
              </p>
            ) : (
              <p className="field-hint">{initInfo.text}</p>
            )}
          </div>

          <div className="field">
            <label htmlFor="tokens-pad">Pad rows to a multiple of</label>
            <input id="tokens-pad" type="text" inputMode="numeric" placeholder="none (e.g. 64)" value={pad} onChange={(e) => setPad(e.target.value)} aria-invalid={Number.isNaN(parsePositiveInt(pad)) ? true : undefined} />
            <p className="field-hint">Extra padding rows (tensor-core friendly sizes); they get the same init.</p>
          </div>

          <PathField id="tokens-out" label="Output folder" value={output.out} onChange={output.setOut} suggestions={output.suggestions} error={output.error} hint={output.note ?? 'A new folder; the base is never changed.'} />

          <section className="field span-2 preview-box" aria-labelledby="tokens-preview-title" aria-busy={previewing}>
            <div className="label-row">
              <h3 id="tokens-preview-title">Live preview</h3>
              <span className="subtle" aria-live="polite">
                {previewing ? 'Tokenizing…' : preview ? 'With the real tokenizer; nothing is written.' : ''}
              </span>
            </div>
            <label htmlFor="tokens-sample" className="sr-only">
              Sample text
            </label>
            <textarea id="tokens-sample" rows={2} placeholder={sampleText || 'Sample text to tokenize before and after'} value={sample} onChange={(e) => setSample(e.target.value)} />
            {previewError ? <ErrorNote error={previewError} /> : null}
            {preview ? <TokensPreviewView preview={preview} note={unreachableNote(preview, force)} text={previewText} /> : !previewError ? <p className="subtle">{tokens.length === 0 ? `Type some ${vocab ? 'words' : 'tokens'} to see how the sample text splits before and after.` : baseError ? 'Choose a base model to preview.' : problems.length ? 'Fix the token list above to see the preview.' : 'Preparing the preview…'}</p> : null}
          </section>
        </div>
      }
    />
  )
}
