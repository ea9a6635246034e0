import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { HubModelDetails, JobInfo } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf } from '../../lib/api'
import { formatBytes, formatCount, formatInt } from '../../lib/format'
import { HubErrorNote } from './hub-error'
import { HubJobPanel } from './HubJobPanel'
import { useHubStatus } from './hub-status'
import { downloadChoice, selectedByDefault } from './select-files'

/**
 * A model page: facts (parameters, size, gated/private, an adapter's base model), the file list
 * with a picker (default: safetensors, json, tokenizer and card files; pickles marked and left
 * out; unsafe names flagged), and Download, which starts a hub-download job.
 */
export function HubModelPage(props: { repo: string; jobs: JobInfo[]; downloadJob: string | null; onDownloadJob: (id: string) => void; onBack: () => void; onShowLibrary: () => void; onGoOnline: () => void }) {
  const { repo, jobs, downloadJob, onDownloadJob, onBack, onShowLibrary, onGoOnline } = props
  const { status } = useHubStatus()
  const [details, setDetails] = useState<HubModelDetails | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [startError, setStartError] = useState<ErrorInfo | null>(null)
  const [starting, setStarting] = useState(false)
  const headingRef = useRef<HTMLHeadingElement>(null)

  /** The requestId of the hub.info in flight, so Cancel (or leaving the page) stops it. */
  const loading = useRef<string | null>(null)
  const cancelLoad = () => {
    const requestId = loading.current
    loading.current = null
    if (requestId) void call('hub.cancel', { requestId }).catch(() => {})
  }
  const load = () => {
    let live = true
    const requestId = `info-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`
    loading.current = requestId
    setError(null)
    setDetails(null)
    call('hub.info', { repo, requestId }).then(
      (d) => {
        if (!live) return
        setDetails(d)
        setSelected(new Set(d.files.filter(selectedByDefault).map((f) => f.path)))
      },
      (e) => live && setError(errorInfoOf(e)),
    ).finally(() => {
      if (loading.current === requestId) loading.current = null
    })
    return () => {
      live = false
      cancelLoad()
    }
  }
  useEffect(load, [repo])
  useEffect(() => {
    headingRef.current?.focus()
  }, [repo])

  const job = downloadJob ? (jobs.find((j) => j.id === downloadJob) ?? null) : null
  const downloading = !!job && (job.state === 'running' || job.state === 'queued')
  const choice = useMemo(() => (details ? downloadChoice(details.files, selected) : null), [details, selected])
  const picked = details ? details.files.filter((f) => selected.has(f.path)) : []
  const pickedBytes = picked.reduce((a, f) => a + f.size, 0)
  const unsafe = details ? details.files.filter((f) => f.unsafe) : []

  const toggle = (path: string, on: boolean) =>
    setSelected((s) => {
      const n = new Set(s)
      if (on) n.add(path)
      else n.delete(path)
      return n
    })

  const download = async () => {
    if (!details || !choice) return
    setStarting(true)
    setStartError(null)
    try {
      const { id } = await call('jobs.start', {
        kind: 'hub-download',
        params: { repo: details.id, revision: details.revision, ...(choice.include ? { include: choice.include } : {}), ...(choice.allowPickles ? { allowPickles: true } : {}) },
      })
      onDownloadJob(id)
    } catch (e) {
      setStartError(errorInfoOf(e))
    } finally {
      setStarting(false)
    }
  }

  const d = details
  return (
    <section className="hub-card hub-model" aria-labelledby="hub-model-title">
      <header className="hub-model-head">
        <button type="button" className="btn small quiet" onClick={onBack}>
          ← Back to results
        </button>
        <h2 id="hub-model-title" ref={headingRef} tabIndex={-1}>
          {repo}
        </h2>
        {d ? (
          <span className="hub-badges">
            {d.private ? <span className="hub-badge hub-badge-private">private</span> : null}
            {d.gated ? <span className="hub-badge hub-badge-gated">gated{d.gated === 'manual' ? ' (manual approval)' : ''}</span> : null}
            {d.isAdapter ? <span className="hub-badge hub-badge-adapter">adapter</span> : null}
            {d.libraryName ? <span className="hub-badge">{d.libraryName}</span> : null}
            {d.license ? <span className="hub-badge">licence: {d.license}</span> : null}
          </span>
        ) : null}
      </header>
      {error ? (
        <>
          <HubErrorNote error={error} onGoOnline={onGoOnline} />
          <p>
            <button type="button" className="btn small" onClick={load}>
              Try again
            </button>
          </p>
        </>
      ) : null}
      {!d && !error ? (
        <p className="subtle">
          Reading the model page…{' '}
          <button type="button" className="btn small" onClick={cancelLoad}>
            Cancel
          </button>
        </p>
      ) : null}
      {d ? (
        <>
          <dl className="facts">
            {facts(d).map(([k, v]) => (
              <div className="fact" key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
          {d.gated && !status?.signedIn ? <p className="hub-warn">This model is gated: accept its licence on the Hub, then sign in under Account &amp; network to download it.</p> : null}
          {unsafe.length ? (
            <p className="hub-warn" role="alert">
              {unsafe.length} file name{unsafe.length === 1 ? '' : 's'} in this repo could write outside the cache, so Graft refuses to download from it.
            </p>
          ) : null}
          {d.hasPickles ? <p className="hub-note subtle">Pickle files (.bin, .pt, …) can run code when they are loaded. They are marked below and left out unless you tick them.</p> : null}
          <div className="table-wrap hub-files">
            <table>
              <caption className="sr-only">Files of {d.id}</caption>
              <thead>
                <tr>
                  <th scope="col" className="check">
                    <span className="sr-only">Download</span>
                  </th>
                  <th scope="col">File</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">Storage</th>
                  <th scope="col">Notes</th>
                </tr>
              </thead>
              <tbody>
                {d.files.map((f) => {
                  const id = `hub-file-${f.path}`
                  return (
                    <tr key={f.path} className={f.unsafe ? 'unsafe' : f.pickle ? 'pickle' : undefined}>
                      <td className="check">
                        <input id={id} type="checkbox" checked={selected.has(f.path)} disabled={!!f.unsafe || downloading} onChange={(e) => toggle(f.path, e.target.checked)} />
                      </td>
                      <td>
                        <label htmlFor={id} className="mono hub-file-name">
                          {f.path}
                        </label>
                      </td>
                      <td className="num">{formatBytes(f.size)}</td>
                      <td>{f.xet ? 'Xet' : f.lfs ? 'LFS' : 'git'}</td>
                      <td>
                        {f.pickle ? <span className="hub-badge hub-badge-pickle">pickle</span> : null}
                        {f.unsafe ? <span className="hub-badge hub-badge-unsafe">unsafe name: {f.unsafe}</span> : null}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
          <div className="hub-download-bar">
            <span>
              {picked.length} of {d.files.length} files selected · {formatBytes(pickedBytes)}
            </span>
            <button type="button" className="btn small quiet" disabled={downloading} onClick={() => setSelected(new Set(d.files.filter(selectedByDefault).map((f) => f.path)))}>
              Default selection
            </button>
            <button type="button" className="btn small quiet" disabled={downloading} onClick={() => setSelected(new Set())}>
              None
            </button>
            <button type="button" className="btn primary" disabled={downloading || starting || picked.length === 0 || unsafe.length > 0} onClick={() => void download()}>
              {downloading ? 'Downloading…' : 'Download'}
            </button>
          </div>
          {choice?.allowPickles ? <p className="hub-warn">You ticked pickle files: load them only if you trust {d.id}.</p> : null}
          {choice && choice.alsoMatched.length ? <p className="subtle hub-note">Also downloaded, because they have the same name as a ticked file: {choice.alsoMatched.join(', ')}.</p> : null}
          {startError ? <HubErrorNote error={startError} onGoOnline={onGoOnline} /> : null}
          {downloadJob ? <HubJobPanel job={job} onShowLibrary={onShowLibrary} onGoOnline={onGoOnline} /> : null}
        </>
      ) : null}
    </section>
  )
}

function facts(d: HubModelDetails): [string, ReactNode][] {
  const out: [string, ReactNode][] = [
    ['Downloads', formatCount(d.downloads)],
    ['Likes', formatCount(d.likes)],
    ['Updated', d.lastModified ? d.lastModified.slice(0, 10) : '—'],
    [
      'Parameters',
      d.parameters ? (
        <span title={Object.entries(d.parameters.byDtype).map(([k, v]) => `${k}: ${formatInt(v)}`).join(', ')}>
          {formatCount(d.parameters.total)}
          {Object.keys(d.parameters.byDtype).length === 1
            ? ` · ${Object.keys(d.parameters.byDtype)[0]}`
            : Object.keys(d.parameters.byDtype).length > 1
              ? ` (${Object.entries(d.parameters.byDtype).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')})`
              : ''}
        </span>
      ) : (
        '—'
      ),
    ],
    ['Size', `${formatBytes(d.totalBytes)}${d.safetensorsBytes ? ` · safetensors ${formatBytes(d.safetensorsBytes)}` : ''}`],
    ['Task', d.task ?? '—'],
    ['Revision', <span className="mono" title={d.sha}>{`${d.revision} · ${d.sha.slice(0, 10)}`}</span>],
  ]
  if (d.isAdapter || d.baseModel) {
    out.push(['Base model', d.baseModel ? `${d.baseModel}${d.baseModelSource === 'adapter_config' ? ' (adapter_config.json)' : d.baseModelSource === 'model_card' ? ' (model card)' : ''}` : 'not named'])
  }
  return out
}
