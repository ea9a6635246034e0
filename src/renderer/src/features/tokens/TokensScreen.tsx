import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { JobInfo } from '../../../../shared/api'
import type { VocabTruthTable } from '../../../../shared/vocab'
import { formatInt } from '../../lib/format'
import type { Navigate, NavRequest } from '../flow/nav'
import { PathField } from '../flow/PathField'
import { submitsOnEnter } from '../flow/OperationFlow'
import { isAbsolutePath } from '../flow/paths'
import { useOutput } from '../flow/use-output'
import { entrySuggestions, useLibrary } from '../flow/use-library'
import { call } from '../../lib/api'
import { AddTokensFlow } from './AddTokensFlow'
import { ResizeFlow } from './ResizeFlow'
import '../flow/flow.css'
import './tokens.css'

type Tab = 'add' | 'resize'

/** Vocabulary surgery: add tokens (with a live preview) or resize the embedding, each planned before it runs. */
export function TokensScreen({ request, jobs, navigate, active }: { request: NavRequest<'tokens'>; jobs: JobInfo[]; navigate: Navigate; active: boolean }) {
  const lib = useLibrary(active)
  const [tab, setTab] = useState<Tab>('add')
  const [base, setBase] = useState('')
  const [table, setTable] = useState<VocabTruthTable | null>(null)
  const [prefill, setPrefill] = useState<{ newSize?: number; seq: number } | null>(null)
  const addOut = useOutput(base, 'plus-tokens', lib.recent)
  const resizeOut = useOutput(base, 'resized', lib.recent)
  const tabRefs = { add: useRef<HTMLButtonElement>(null), resize: useRef<HTMLButtonElement>(null) }

  useEffect(() => {
    if (!request) return
    if (request.base) setBase(request.base)
    if (request.tab) setTab(request.tab)
    setPrefill({ newSize: request.newSize, seq: request.seq })
  }, [request])

  const b = base.trim()
  const baseError = !b ? 'Choose the base model first.' : !isAbsolutePath(b) ? 'The base model: type the full path of its folder (absolute, or starting with ~/).' : null
  useEffect(() => {
    setTable(null)
    if (baseError) return
    let live = true
    const t = setTimeout(() => {
      call('vocab.table', { path: b }).then(
        (v) => live && setTable(v),
        () => live && setTable(null),
      )
    }, 250)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [b, baseError])

  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return
    const next: Tab = tab === 'add' ? 'resize' : 'add'
    setTab(next)
    tabRefs[next].current?.focus()
    e.preventDefault()
  }

  return (
    <section className="screen" aria-labelledby="tokens-title">
      <header className="screen-head">
        <div>
          <h1 id="tokens-title">Tokens</h1>
          <p className="subtle">Add tokens (special markers, or new vocabulary for a language) and grow the embedding to match, or resize the embedding, in one planned pass. The base stays untouched.</p>
        </div>
      </header>
      {/* Enter in the base field reviews the plan of the open tab, as Enter in the tab's own fields does. */}
      <div className="panel" onKeyDown={(e) => submitsOnEnter(e) && (e.preventDefault(), document.getElementById(tab === 'add' ? 'tokens-review' : 'resize-review')?.click())}>
        <PathField
          id="tokens-base"
          label="Base model"
          value={base}
          onChange={setBase}
          suggestions={entrySuggestions(lib.entries, ['model'])}
          hint={
            table ? (
              <>
                {table.tokenizerSize === null ? 'No tokenizer.json (a slow tokenizer.model alone still takes added tokens)' : `Tokenizer ${formatInt(table.tokenizerSize)} tokens`} · embedding {formatInt(table.embedRows)} rows · config {table.configVocabField} {formatInt(table.configVocabSize)}
                {table.tied ? ' · tied head' : ''}
              </>
            ) : (
              'A model folder: config.json, *.safetensors and tokenizer.json.'
            )
          }
        />
      </div>
      <div className="tabs" role="tablist" aria-label="Operation" onKeyDown={onTabKey}>
        {(['add', 'resize'] as Tab[]).map((t) => (
          <button key={t} ref={tabRefs[t]} type="button" role="tab" id={`tokens-tab-${t}`} aria-selected={tab === t} aria-controls={`tokens-panel-${t}`} tabIndex={tab === t ? 0 : -1} className={tab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)}>
            {t === 'add' ? 'Add tokens' : 'Resize embeddings'}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="tokens-panel-add" aria-labelledby="tokens-tab-add" hidden={tab !== 'add'} className="panel">
        <AddTokensFlow base={base} baseError={baseError} table={table} output={addOut} jobs={jobs} navigate={navigate} />
      </div>
      <div role="tabpanel" id="tokens-panel-resize" aria-labelledby="tokens-tab-resize" hidden={tab !== 'resize'} className="panel">
        <ResizeFlow base={base} baseError={baseError} table={table} output={resizeOut} jobs={jobs} navigate={navigate} prefill={prefill} />
      </div>
    </section>
  )
}
