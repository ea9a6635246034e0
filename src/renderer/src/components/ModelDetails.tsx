import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { ModelSummary } from '../../../shared/api'
import type { ErrorInfo } from '../../../shared/errors'
import { call, errorInfoOf } from '../lib/api'
import { formatBytes, formatCount, formatInt } from '../lib/format'
import { ErrorNote } from './ErrorNote'
import { architectureLabel } from './LibraryTable'
import { TensorTable } from './TensorTable'
import { HubEntryActions } from '../features/hub/HubEntryActions'

type Json = Record<string, unknown>

/** The details pane: a config summary and the tensor table of one Library entry. */
export function ModelDetails({ path, onClose, onInspect }: { path: string; onClose: () => void; onInspect?: (path: string) => void }) {
  const [summary, setSummary] = useState<ModelSummary | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const headingRef = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    let live = true
    call('model.inspect', { path }).then(
      (s) => live && setSummary(s),
      (e) => live && setError(errorInfoOf(e)),
    )
    return () => {
      live = false
    }
  }, [path])

  useEffect(() => {
    if (summary) headingRef.current?.focus()
  }, [summary])

  return (
    <section className="details" aria-labelledby="details-title">
      <header className="details-head">
        <h2 id="details-title" ref={headingRef} tabIndex={-1}>
          {summary?.entry.name ?? 'Loading…'}
        </h2>
        {onInspect && summary ? (
          <button type="button" className="btn small details-inspect" onClick={() => onInspect(path)}>
            Open in Inspect
          </button>
        ) : null}
        <button type="button" className="btn small quiet" onClick={onClose} aria-label="Close details">
          Close
        </button>
      </header>
      {error ? <ErrorNote error={error} /> : null}
      {summary ? (
        <>
          <p className="entry-path wide">{summary.entry.path}</p>
          <dl className="facts">{facts(summary).map(([k, v]) => <Fact key={k} label={k} value={v} />)}</dl>
          <HubEntryActions entry={summary.entry} />
          {summary.config ? (
            <details className="raw-config">
              <summary>{summary.entry.kind === 'model' ? 'config.json' : summary.entry.kind === 'adapter' ? 'adapter_config.json' : 'tokenizer_config.json'}</summary>
              <pre>{JSON.stringify(summary.config, null, 2)}</pre>
            </details>
          ) : null}
          {summary.entry.kind !== 'tokenizer' ? <TensorTable tensors={summary.tensors} /> : null}
        </>
      ) : !error ? (
        <p className="subtle">Reading headers…</p>
      ) : null}
    </section>
  )
}

export function Fact({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  )
}

export function facts(s: ModelSummary): [string, ReactNode][] {
  const e = s.entry
  const c: Json = s.config ?? {}
  const text: Json = c.text_config && typeof c.text_config === 'object' ? (c.text_config as Json) : c
  const v = (x: unknown): ReactNode => (x === undefined || x === null ? '—' : typeof x === 'number' ? formatInt(x) : typeof x === 'boolean' ? (x ? 'yes' : 'no') : Array.isArray(x) ? x.join(', ') : String(x))
  const tensorBytes = s.tensors.reduce((a, t) => a + t.bytes, 0)
  if (e.kind === 'adapter') {
    return [
      ['Type', architectureLabel(e)],
      ['Task', v(c.task_type)],
      ['Rank (r)', v(c.r)],
      ['lora_alpha', v(c.lora_alpha)],
      ['rsLoRA', v(c.use_rslora ?? false)],
      ['Target modules', v(c.target_modules)],
      ['Modules to save', v(e.adapter?.modulesToSave.length ? e.adapter.modulesToSave : null)],
      ['Base model', v(c.base_model_name_or_path)],
      ['Parameters', formatCount(e.paramCount)],
      ['Dtype', v(e.dtype)],
      ['Embed rows', formatInt(e.embedRows)],
      ['Tokenizer length', formatInt(e.tokenizerSize)],
      ['Tensors', `${formatInt(s.tensors.length)} · ${formatBytes(tensorBytes)}`],
      ['Size on disk', `${formatBytes(e.sizeBytes)} (every file of the folder)`],
    ]
  }
  if (e.kind === 'tokenizer') {
    return [
      ['Class', v(e.architecture)],
      ['Model', v(e.modelType)],
      ['Length', formatInt(e.tokenizerSize)],
      ['Size on disk', formatBytes(e.sizeBytes)],
    ]
  }
  return [
    ['Architecture', v(e.architecture)],
    ['model_type', v(e.modelType)],
    ['Parameters', `${formatCount(e.paramCount)} (${formatInt(e.paramCount)})`],
    ['Dtype', v(e.dtype)],
    ['Layers', v(text.num_hidden_layers)],
    ['Hidden size', v(text.hidden_size)],
    ['Attention heads', text.num_key_value_heads !== undefined && text.num_key_value_heads !== text.num_attention_heads ? `${v(text.num_attention_heads)} (KV ${v(text.num_key_value_heads)})` : v(text.num_attention_heads)],
    ['Intermediate size', v(text.intermediate_size)],
    ['vocab_size', formatInt(e.vocabSize)],
    ['Embed rows', formatInt(e.embedRows)],
    ['Tokenizer length', formatInt(e.tokenizerSize)],
    ['Tied embeddings', v(e.tied)],
    ['Context length', v(text.max_position_embeddings)],
    ['Shards', `${e.shardCount} · ${formatBytes(tensorBytes)} of tensors`],
    ['Size on disk', `${formatBytes(e.sizeBytes)} (every file of the folder)`],
  ]
}
