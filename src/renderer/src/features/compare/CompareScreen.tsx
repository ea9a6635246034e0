import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { JobInfo, LibraryEntry } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import type { NavRequest } from '../flow/nav'
import { labelFor, type ChosenTokenizer } from './compare-lib'
import { ChatTab } from './ChatTab'
import { CorpusTab } from './CorpusTab'
import { TextTab } from './TextTab'
import { TokenizerPicker } from './TokenizerPicker'
import { VocabTab } from './VocabTab'
import './compare.css'

type Tab = 'text' | 'corpus' | 'vocab' | 'chat'
const TABS: { id: Tab; label: string }[] = [
  { id: 'text', label: 'Text' },
  { id: 'corpus', label: 'Corpus' },
  { id: 'vocab', label: 'Vocabulary' },
  { id: 'chat', label: 'Chat template' },
]

/**
 * Side-by-side tokenizer comparison: 2 to 4 tokenizers from the Library or by path, then the same
 * text tokenized in columns with metrics, corpus metrics as a job, a vocabulary diff and chat
 * templates. Everything runs in the compare worker; this screen only draws.
 */
export function CompareScreen({ request = null, jobs, active }: { /** Tokenizers another screen asks to compare (a result's before/after). */ request?: NavRequest<'compare'>; jobs: JobInfo[]; active: boolean }) {
  const [entries, setEntries] = useState<LibraryEntry[] | null>(null)
  const [loading, setLoading] = useState(false)
  const [libError, setLibError] = useState<ErrorInfo | null>(null)
  const [chosen, setChosen] = useState<ChosenTokenizer[]>([])
  const [tab, setTab] = useState<Tab>('text')
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ text: null, corpus: null, vocab: null, chat: null })

  // Re-read the Library each time the screen is shown: folders may have been added meanwhile.
  useEffect(() => {
    if (!active) return
    let live = true
    setLoading(true)
    call('library.list', {}).then(
      (list) => {
        if (!live) return
        setEntries(list)
        setLibError(null)
        setLoading(false)
        // Labels follow the Library's names once it is known.
        setChosen((cs) => cs.map((c) => ({ ...c, label: list.find((e) => e.path === c.path)?.name ?? c.label })))
      },
      (e) => {
        if (!live) return
        setLibError(errorInfoOf(e))
        setLoading(false)
      },
    )
    return () => {
      live = false
    }
  }, [active])

  useEffect(() => {
    if (!request) return
    const next: ChosenTokenizer[] = []
    for (const path of request.tokenizers) next.push({ path, label: labelFor(path, entries, next.map((c) => c.label)), source: 'path' })
    setChosen(next)
    setTab('text')
    // Only a new request replaces the choice; the Library arriving later relabels it (above).
  }, [request])

  const onTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = TABS.findIndex((t) => t.id === tab)
    let next: number | null = null
    if (e.key === 'ArrowRight') next = (i + 1) % TABS.length
    else if (e.key === 'ArrowLeft') next = (i - 1 + TABS.length) % TABS.length
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = TABS.length - 1
    if (next === null) return
    e.preventDefault()
    setTab(TABS[next].id)
    tabRefs.current[TABS[next].id]?.focus()
  }

  return (
    <section className="screen compare-screen" aria-labelledby="compare-title">
      <header className="screen-head">
        <div>
          <h1 id="compare-title">Compare tokenizers</h1>
          <p className="subtle">Two to four tokenizers side by side: the same text, metrics on a corpus, their vocabularies and chat templates. Tokenization runs in a worker with the Hugging Face tokenizers library.</p>
        </div>
      </header>
      {libError ? <ErrorNote error={libError} /> : null}
      <TokenizerPicker entries={entries} loading={loading} chosen={chosen} onChange={setChosen} />
      <div className="cmp-tabs" role="tablist" aria-label="Comparison views" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[t.id] = el
            }}
            type="button"
            role="tab"
            id={`compare-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`compare-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? 'cmp-tab cmp-active' : 'cmp-tab'}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {/* Every panel stays mounted so switching tabs keeps its text, results and pages. */}
      <div role="tabpanel" id="compare-panel-text" aria-labelledby="compare-tab-text" hidden={tab !== 'text'}>
        <TextTab chosen={chosen} onOpenCorpus={() => setTab('corpus')} />
      </div>
      <div role="tabpanel" id="compare-panel-corpus" aria-labelledby="compare-tab-corpus" hidden={tab !== 'corpus'}>
        <CorpusTab chosen={chosen} jobs={jobs} />
      </div>
      <div role="tabpanel" id="compare-panel-vocab" aria-labelledby="compare-tab-vocab" hidden={tab !== 'vocab'}>
        <VocabTab chosen={chosen} active={active && tab === 'vocab'} />
      </div>
      <div role="tabpanel" id="compare-panel-chat" aria-labelledby="compare-tab-chat" hidden={tab !== 'chat'}>
        <ChatTab chosen={chosen} />
      </div>
    </section>
  )
}
