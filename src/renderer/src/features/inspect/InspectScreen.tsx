import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import type { JobInfo, ModelSummary, ScanResult } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import type { VocabTruthTable } from '../../../../shared/vocab'
import { ErrorNote } from '../../components/ErrorNote'
import { Fact, facts } from '../../components/ModelDetails'
import { TensorTable } from '../../components/TensorTable'
import { call, errorInfoOf } from '../../lib/api'
import type { Navigate, NavRequest } from '../flow/nav'
import { PathField } from '../flow/PathField'
import { isAbsolutePath } from '../flow/paths'
import { entrySuggestions, useLibrary } from '../flow/use-library'
import { DeltaNormPanel } from './DeltaNormPanel'
import { ScanPanel } from './ScanPanel'
import { UntrainedFixDialog } from './UntrainedFixDialog'
import { VocabPanel } from './VocabPanel'
import '../flow/flow.css'
import './inspect.css'

/** Inspect a model or adapter folder: summary, vocabulary truth table, row scan, plots, tensors. */
export function InspectScreen({ request, jobs, navigate, active }: { request: NavRequest<'inspect'>; jobs: JobInfo[]; navigate: Navigate; active: boolean }) {
  const lib = useLibrary(active)
  const [input, setInput] = useState('')
  const [inputError, setInputError] = useState<string | null>(null)
  const [opened, setOpened] = useState<{ path: string; newFrom?: number; seq: number } | null>(null)
  const seq = useRef(0)

  useEffect(() => {
    if (!request) return
    setInput(request.path)
    setInputError(null)
    setOpened({ path: request.path, newFrom: request.newFrom, seq: ++seq.current })
  }, [request])

  const open = (path: string) => {
    setInput(path)
    setInputError(null)
    setOpened({ path, seq: ++seq.current })
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const p = input.trim()
    if (!isAbsolutePath(p)) {
      setInputError('Type the full path of a model or adapter folder: absolute, or starting with ~/.')
      return
    }
    open(p)
  }
  const quick = (lib.entries ?? []).filter((e) => !e.error && e.kind !== 'tokenizer').slice(0, 8)

  return (
    <section className="screen" aria-labelledby="inspect-title">
      <header className="screen-head">
        <div>
          <h1 id="inspect-title">Inspect</h1>
          <p className="subtle">What is inside a model or adapter: config, vocabulary sizes and their checks, untrained rows, plots and every tensor.</p>
        </div>
      </header>
      <form className="open-bar" onSubmit={submit} aria-label="Open a folder">
        <PathField
          id="inspect-path"
          label="Model or adapter folder"
          value={input}
          onChange={(v) => (setInput(v), setInputError(null))}
          suggestions={entrySuggestions(lib.entries, ['model', 'adapter'])}
          error={inputError}
          // A folder dropped here opens at once.
          onDropPaths={(paths) => open(paths[0])}
        />
        <button type="submit" className="btn primary">
          Open
        </button>
      </form>
      {opened ? (
        <InspectView key={opened.seq} path={opened.path} newFrom={opened.newFrom} jobs={jobs} navigate={navigate} edited={input.trim() !== opened.path} />
      ) : (
        <div className="empty">
          <p>Nothing open yet.</p>
          <p className="subtle">Choose a model or adapter from the Library (its “Inspect” button), type a folder above, or open one of these:</p>
          {quick.length ? (
            <div className="quick-open">
              {quick.map((e) => (
                <button key={e.path} type="button" className="btn" onClick={() => open(e.path)}>
                  {e.name} <span className={`kind kind-${e.kind}`}>{e.kind}</span>
                </button>
              ))}
            </div>
          ) : null}
        </div>
      )}
    </section>
  )
}

function InspectView({ path, newFrom, jobs, navigate, edited = false }: { path: string; newFrom?: number; jobs: JobInfo[]; navigate: Navigate; /** The field no longer holds `path`: an error about it would be stale. */ edited?: boolean }) {
  const [summary, setSummary] = useState<ModelSummary | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [table, setTable] = useState<VocabTruthTable | null>(null)
  const [tableError, setTableError] = useState<ErrorInfo | null>(null)
  const [scan, setScan] = useState<ScanResult | null>(null)
  const [fixOpen, setFixOpen] = useState(false)
  const headRef = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    let live = true
    call('model.inspect', { path }).then(
      (s) => {
        if (!live) return
        setSummary(s)
        if (s.entry.kind === 'model')
          call('vocab.table', { path }).then(
            (t) => live && setTable(t),
            (e) => live && setTableError(errorInfoOf(e)),
          )
      },
      (e) => live && setError(errorInfoOf(e)),
    )
    return () => {
      live = false
    }
  }, [path])
  useEffect(() => {
    if (summary) headRef.current?.focus()
  }, [summary])
  const onScan = useCallback((r: ScanResult | null) => setScan(r), [])

  if (error && edited) return <p className="subtle">Press Open to inspect the folder in the field.</p>
  if (error)
    return (
      <div className="inspect-error">
        <ErrorNote error={error} />
        <p className="subtle">Graft inspects folders that hold config.json and *.safetensors (a model) or adapter_config.json (a PEFT adapter).</p>
      </div>
    )
  if (!summary) return <p className="subtle">Reading headers…</p>
  const e = summary.entry
  return (
    <div className="inspect">
      <section className="panel" aria-labelledby="inspect-name">
        <div className="panel-head">
          <div>
            <h2 id="inspect-name" ref={headRef} tabIndex={-1}>
              {e.name} <span className={`kind kind-${e.kind}`}>{e.kind}</span>
            </h2>
            <p className="entry-path wide">{e.path}</p>
          </div>
          <div className="panel-actions">
            {e.kind === 'model' ? (
              <>
                <button type="button" className="btn small" onClick={() => navigate({ screen: 'merge', base: e.path })}>
                  Merge an adapter…
                </button>
              </>
            ) : e.kind === 'adapter' ? (
              <button type="button" className="btn small" onClick={() => navigate({ screen: 'merge', adapter: e.path })}>
                Merge into a base…
              </button>
            ) : null}
          </div>
        </div>
        <dl className="facts">
          {facts(summary).map(([k, v]) => (
            <Fact key={k} label={k} value={v} />
          ))}
        </dl>
        {summary.config ? (
          <details className="raw-config">
            <summary>{e.kind === 'model' ? 'config.json' : e.kind === 'adapter' ? 'adapter_config.json' : 'tokenizer_config.json'}</summary>
            <pre>{JSON.stringify(summary.config, null, 2)}</pre>
          </details>
        ) : null}
      </section>
      {e.kind === 'model' ? (
        <>
          {tableError ? <ErrorNote error={tableError} /> : null}
          {table ? (
            <VocabPanel
              table={table}
              scan={scan}
              onResize={(newSize) => navigate({ screen: 'tokens', tab: 'resize', base: path, newSize })}
              onRepair={() => setFixOpen(true)}
              onAddTokens={() => navigate({ screen: 'tokens', tab: 'add', base: path })}
            />
          ) : !tableError ? (
            <p className="subtle">Reading the vocabulary…</p>
          ) : null}
          <ScanPanel path={path} newFrom={newFrom} jobs={jobs} onResult={onScan} />
          <UntrainedFixDialog open={fixOpen} base={path} jobs={jobs} onClose={() => setFixOpen(false)} navigate={navigate} />
        </>
      ) : null}
      {e.kind === 'adapter' ? <DeltaNormPanel path={path} /> : null}
      {e.kind !== 'tokenizer' ? (
        <section className="panel">
          <TensorTable tensors={summary.tensors} />
        </section>
      ) : null}
    </div>
  )
}
