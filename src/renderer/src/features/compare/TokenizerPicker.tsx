import { useState, type FormEvent } from 'react'
import type { LibraryEntry } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'
import { MAX_COMPARE_TOKENIZERS } from '../../../../shared/compare'
import { formatInt } from '../../lib/format'
import { hasTokenizer, labelFor, LETTERS, type ChosenTokenizer } from './compare-lib'

const KIND_LABEL: Record<LibraryEntry['kind'], string> = { model: 'model', adapter: 'adapter', tokenizer: 'tokenizer' }

/**
 * Choose 2 to 4 tokenizers: Library entries that carry one (models, adapters with tokenizer
 * files, tokenizer folders), or any folder / tokenizer.json by path. Each is named as the
 * Library names it and lettered A–D in its series colour.
 */
export function TokenizerPicker({
  entries,
  loading,
  chosen,
  onChange,
}: {
  entries: LibraryEntry[] | null
  loading: boolean
  chosen: ChosenTokenizer[]
  onChange: (next: ChosenTokenizer[]) => void
}) {
  const [pick, setPick] = useState('')
  const [path, setPath] = useState('')
  const [pathError, setPathError] = useState<ErrorInfo | null>(null)
  const [checking, setChecking] = useState(false)
  const candidates = (entries ?? []).filter(hasTokenizer)
  const full = chosen.length >= MAX_COMPARE_TOKENIZERS
  const taken = chosen.map((c) => c.label)

  const add = (p: string, source: ChosenTokenizer['source']) => {
    if (chosen.some((c) => c.path === p)) return
    onChange([...chosen, { path: p, label: labelFor(p, entries, taken), source }])
  }

  const addEntry = () => {
    const e = candidates.find((x) => x.path === pick)
    if (e) add(e.path, e.kind)
    setPick('')
  }

  /** A typed path joins the comparison only once its tokenizer loads (the worker reads it; a bad path is refused here, with why). */
  const addPath = async (ev: FormEvent) => {
    ev.preventDefault()
    let p = path.trim()
    if (!p || checking) return
    if (!(p.startsWith('/') || p.startsWith('~') || /^[A-Za-z]:[\\/]/.test(p))) {
      setPathError({ code: 'BAD_REQUEST', message: 'Give an absolute path (or one starting with ~/) to a tokenizer folder or a tokenizer.json file.' })
      return
    }
    if (p.length > 1) p = p.replace(/[\\/]+$/, '')
    if (chosen.some((c) => c.path === p)) {
      setPathError({ code: 'BAD_REQUEST', message: `${p} is already chosen.` })
      return
    }
    setPathError(null)
    setChecking(true)
    try {
      await call('compare.text', { tokenizers: [p, p], text: '' })
    } catch (e) {
      setPathError(errorInfoOf(e))
      return
    } finally {
      setChecking(false)
    }
    const entry = entries?.find((x) => x.path === p && !x.error)
    add(p, entry ? entry.kind : 'path')
    setPath('')
  }

  const move = (i: number, d: -1 | 1) => {
    const next = [...chosen]
    ;[next[i], next[i + d]] = [next[i + d], next[i]]
    onChange(next)
  }

  return (
    <section className="cmp-picker" aria-labelledby="compare-picker-title">
      <h2 id="compare-picker-title" className="sr-only">
        Tokenizers
      </h2>
      {chosen.length ? (
        <ol className="cmp-chosen">
          {chosen.map((c, i) => (
            <li key={c.path} className="cmp-chosen-item">
              <span className={`cmp-letter cmp-letter-${i}`} aria-hidden="true">
                {LETTERS[i]}
              </span>
              <span className="cmp-chosen-text">
                <span className="cmp-chosen-name">
                  <span className="cmp-chosen-label">{c.label}</span>
                  {c.source !== 'path' ? <span className="subtle cmp-chosen-kind">{KIND_LABEL[c.source]}</span> : null}
                </span>
                <span className="cmp-chosen-path" title={c.path} dir="rtl">
                  <bdi dir="ltr">{c.path}</bdi>
                </span>
              </span>
              <span className="cmp-chosen-actions">
                <button type="button" className="btn small quiet" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${c.label} left`}>
                  ←
                </button>
                <button type="button" className="btn small quiet" disabled={i === chosen.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${c.label} right`}>
                  →
                </button>
                <button type="button" className="btn small quiet" onClick={() => onChange(chosen.filter((x) => x.path !== c.path))} aria-label={`Remove ${c.label}`}>
                  ✕
                </button>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
      <div className="cmp-picker-add">
        <div className="cmp-picker-row">
          <label htmlFor="compare-library-pick">From the Library</label>
          <select id="compare-library-pick" value={pick} onChange={(e) => setPick(e.target.value)} disabled={full || candidates.length === 0}>
            <option value="">{loading && !entries ? 'Scanning the Library…' : candidates.length ? 'Choose a tokenizer…' : 'No Library entry has a tokenizer'}</option>
            {candidates.map((e) => (
              <option key={e.path} value={e.path} disabled={chosen.some((c) => c.path === e.path)}>
                {e.name} — {KIND_LABEL[e.kind]}
                {e.tokenizerSize ? `, ${formatInt(e.tokenizerSize)} tokens` : ''}
              </option>
            ))}
          </select>
          <button type="button" className="btn" onClick={addEntry} disabled={full || !pick}>
            Add
          </button>
        </div>
        <form className="cmp-picker-row" onSubmit={(e) => void addPath(e)}>
          <label htmlFor="compare-path">Or a path</label>
          <input
            id="compare-path"
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="/path/to/tokenizer-folder  or  …/tokenizer.json"
            value={path}
            aria-invalid={pathError ? true : undefined}
            aria-describedby={pathError ? 'compare-path-error' : undefined}
            onChange={(e) => (setPath(e.target.value), setPathError(null))}
          />
          <button type="submit" className="btn" disabled={full || path.trim() === '' || checking}>
            {checking ? 'Checking…' : 'Add path'}
          </button>
        </form>
        {pathError ? (
          <p id="compare-path-error" className="cmp-field-error" role="alert">
            {pathError.message}
            {pathError.hint ? <span className="cmp-field-hint"> {pathError.hint}</span> : null}
          </p>
        ) : null}
        <p className="subtle cmp-picker-hint">
          {chosen.length < 2
            ? `Choose ${2 - chosen.length === 2 ? 'two' : 'one more'} to compare (up to ${MAX_COMPARE_TOKENIZERS}).`
            : full
              ? `${MAX_COMPARE_TOKENIZERS} tokenizers chosen (the most one comparison takes).`
              : `${chosen.length} chosen; you can add ${MAX_COMPARE_TOKENIZERS - chosen.length} more.`}
        </p>
      </div>
    </section>
  )
}
