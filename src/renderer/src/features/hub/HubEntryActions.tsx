import { useCallback, useEffect, useState, type FormEvent } from 'react'
import type { HubBaseCandidate, HubResolveBaseResult, LibraryEntry } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { call, errorInfoOf, getTransport } from '../../lib/api'
import { HubErrorNote } from './hub-error'
import { HubJobPanel } from './HubJobPanel'
import { useHubStatus } from './hub-status'
import { useJob } from './use-job'
import './hub.css'

/**
 * Hub actions for one Library entry, shown in its details pane: an adapter's base model (find it
 * on this machine, choose a folder, or download it after confirming), and Publish to Hub for models.
 */
export function HubEntryActions({ entry }: { entry: LibraryEntry }) {
  if (entry.error) return null
  return (
    <>
      {entry.kind === 'adapter' ? <BaseModelFinder entry={entry} /> : null}
      {entry.kind === 'model' || entry.kind === 'adapter' ? <PublishToHub entry={entry} /> : null}
    </>
  )
}

function describe(c: HubBaseCandidate): string {
  if (c.kind === 'folder') return `Folder ${c.path}`
  if (c.kind === 'cache') return `Hugging Face cache: ${c.repo} @ ${c.revision.slice(0, 10)}`
  return `Download ${c.repo} from the Hub`
}

const same = (a: HubBaseCandidate | null, b: HubBaseCandidate) => !!a && a.kind === b.kind && (a.kind === 'download' ? a.repo === (b as { repo: string }).repo : a.path === (b as { path: string }).path)

/** Finds the base model an adapter names: a folder here, the Hub cache, or a confirmed download. */
function BaseModelFinder({ entry }: { entry: LibraryEntry }) {
  const { status } = useHubStatus()
  const [res, setRes] = useState<HubResolveBaseResult | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [open, setOpen] = useState(false)
  const [confirm, setConfirm] = useState<string | null>(null)
  const [folder, setFolder] = useState('')
  const [jobId, setJobId] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const job = useJob(jobId)

  const resolve = useCallback(async () => {
    setError(null)
    try {
      setRes(await call('hub.resolveBase', { adapterDir: entry.path }))
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }, [entry.path])
  useEffect(() => {
    void resolve()
  }, [resolve])
  useEffect(() => {
    if (job?.state === 'done') void resolve()
  }, [job?.state, resolve])

  const remember = async (choice: HubBaseCandidate) => {
    if (!res) return
    setBusy(true)
    setError(null)
    try {
      await call('hub.rememberBase', { name: res.name, choice })
      setOpen(false)
      await resolve()
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setBusy(false)
    }
  }

  const chooseFolder = async (e: FormEvent) => {
    e.preventDefault()
    const p = folder.trim()
    if (p) await remember({ kind: 'folder', path: p, reason: 'chosen by you' })
  }

  const browse = async () => {
    try {
      const { path } = await call('library.pickFolder', {})
      if (path) await remember({ kind: 'folder', path, reason: 'chosen by you' })
    } catch (e) {
      setError(errorInfoOf(e))
    }
  }

  const download = async (repo: string) => {
    if (!res) return
    setBusy(true)
    setError(null)
    try {
      // Remembered first: when the download lands in the cache, hub.resolveBase turns it into that snapshot.
      await call('hub.rememberBase', { name: res.name, choice: { kind: 'download', repo, guessed: false, reason: 'chosen by you' } })
      const { id } = await call('jobs.start', { kind: 'hub-download', params: { repo } })
      setJobId(id)
      setConfirm(null)
      setOpen(false)
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setBusy(false)
    }
  }

  const local = res?.candidates.find((c) => c.kind !== 'download') ?? null
  const current = res ? (res.remembered && res.remembered.kind !== 'download' ? res.remembered : local) : null
  const isElectron = !!getTransport() && getTransport().ws === null

  return (
    <section className="hub-base" aria-labelledby={`hub-base-${entry.path}`}>
      <h3 id={`hub-base-${entry.path}`}>Base model</h3>
      {error && !res && (error.code === 'BAD_CONFIG' || error.code === 'NOT_A_MODEL') ? (
        <p className="subtle">{error.message}</p>
      ) : error ? (
        <HubErrorNote error={error} />
      ) : null}
      {res ? (
        <>
          <p>
            <span className="subtle">adapter_config.json names </span>
            <span className="mono">{res.name}</span>
          </p>
          {current ? (
            <p className="hub-base-found" role="status">
              <span className="hub-badge hub-badge-ok">found</span> {describe(current)} <span className="subtle">({current.reason})</span>
              {res.remembered && same(res.remembered, current) ? <span className="hub-badge">remembered</span> : null}
            </p>
          ) : (
            <p className="hub-base-missing" role="status">
              <span className="hub-badge hub-badge-gated">missing</span> The base model is not on this machine.
            </p>
          )}
          {!open ? (
            <button type="button" className="btn small" onClick={() => setOpen(true)}>
              {current ? 'Change base model…' : 'Find base model'}
            </button>
          ) : (
            <div className="hub-base-choices">
              <ul className="hub-candidates" aria-label="Where the base model can come from">
                {res.candidates.map((c) => (
                  <li key={c.kind === 'download' ? `d:${c.repo}` : `p:${c.path}`}>
                    <span>
                      {describe(c)} <span className="subtle">— {c.reason}</span>
                      {res.remembered && same(res.remembered, c) ? <span className="hub-badge">remembered</span> : null}
                    </span>
                    {c.kind === 'download' ? (
                      <button type="button" className="btn small" disabled={busy || status?.offline} onClick={() => setConfirm(c.repo)} title={status?.offline ? 'Graft is offline' : undefined}>
                        Download…
                      </button>
                    ) : (
                      <button type="button" className="btn small" disabled={busy} onClick={() => void remember(c)}>
                        Use this
                      </button>
                    )}
                  </li>
                ))}
                {res.candidates.length === 0 ? <li className="subtle">Nothing on this machine matches; choose the folder yourself.</li> : null}
              </ul>
              {confirm !== null ? (
                <ConfirmDownload repo={confirm} guessed={res.candidates.some((c) => c.kind === 'download' && c.repo === confirm && c.guessed)} busy={busy} endpoint={status?.endpoint ?? 'the Hub'} cacheDir={status?.cacheDir ?? 'the Hugging Face cache'} onConfirm={(r) => void download(r)} onCancel={() => setConfirm(null)} />
              ) : null}
              <form className="hub-inline-form" onSubmit={(e) => void chooseFolder(e)}>
                <label htmlFor={`hub-base-folder-${entry.path}`}>Base model folder</label>
                <input id={`hub-base-folder-${entry.path}`} type="text" spellCheck={false} autoComplete="off" placeholder="/path/to/base-model" value={folder} onChange={(e) => setFolder(e.target.value)} />
                <button type="submit" className="btn small" disabled={busy || folder.trim() === ''}>
                  Use folder
                </button>
                {isElectron ? (
                  <button type="button" className="btn small" disabled={busy} onClick={() => void browse()}>
                    Browse…
                  </button>
                ) : null}
                <button type="button" className="btn small quiet" onClick={() => setOpen(false)}>
                  Close
                </button>
              </form>
              <p className="subtle hub-note">Graft remembers your choice for every adapter that names {res.name}.</p>
            </div>
          )}
          {jobId ? <HubJobPanel job={job} compact /> : null}
        </>
      ) : !error ? (
        <p className="subtle">Looking for the base model…</p>
      ) : null}
    </section>
  )
}

/** Asks before a base model is downloaded; a guessed repo id can be corrected first. */
function ConfirmDownload({ repo, guessed, busy, endpoint, cacheDir, onConfirm, onCancel }: { repo: string; guessed: boolean; busy: boolean; endpoint: string; cacheDir: string; onConfirm: (repo: string) => void; onCancel: () => void }) {
  const [value, setValue] = useState(repo)
  return (
    <form
      className="hub-confirm"
      role="group"
      aria-label="Confirm the download"
      onSubmit={(e) => {
        e.preventDefault()
        if (value.trim()) onConfirm(value.trim())
      }}
    >
      <p>
        Download <strong>{value || repo}</strong> from <span className="mono">{endpoint}</span> into <span className="mono">{cacheDir}</span>? Only safetensors, JSON, tokenizer and card files are fetched.
        {guessed ? ' The repo id was guessed from a folder path: check it.' : ''}
      </p>
      <label htmlFor="hub-confirm-repo">Repo</label>
      <input id="hub-confirm-repo" type="text" spellCheck={false} autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} autoFocus />
      <button type="submit" className="btn small primary" disabled={busy || !value.trim()}>
        Download
      </button>
      <button type="button" className="btn small quiet" onClick={onCancel}>
        Cancel
      </button>
    </form>
  )
}

/** Publishes a model (or adapter) folder to a Hub repo as a hub-upload job. */
function PublishToHub({ entry }: { entry: LibraryEntry }) {
  const { status } = useHubStatus()
  const [open, setOpen] = useState(false)
  const folder = entry.path.split(/[\\/]/).filter(Boolean).pop() ?? 'model'
  const suggested = folder.replace(/[^\w.-]+/g, '-').replace(/^[-.]+/, '') || 'model'
  const [name, setName] = useState('')
  const [create, setCreate] = useState(true)
  const [priv, setPriv] = useState(true)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [jobId, setJobId] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const job = useJob(jobId)
  const repo = name.trim() || (status?.signedIn ? `${status.signedIn}/${suggested}` : '')
  const running = !!job && (job.state === 'running' || job.state === 'queued')
  const blocked = !status ? 'Checking the Hub status…' : status.offline ? 'Graft is offline: turn the offline switch off on the Hub screen to publish.' : !status.signedIn ? 'Sign in on the Hub screen first, with a token that has write access.' : null

  const publish = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const { id } = await call('jobs.start', { kind: 'hub-upload', params: { dir: entry.path, repo, create, private: priv } })
      setJobId(id)
    } catch (err) {
      setError(errorInfoOf(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="hub-publish" aria-labelledby={`hub-publish-${entry.path}`}>
      <h3 id={`hub-publish-${entry.path}`}>Publish</h3>
      {!open ? (
        <button type="button" className="btn small" onClick={() => setOpen(true)}>
          Publish to Hub…
        </button>
      ) : (
        <form className="hub-publish-form" onSubmit={(e) => void publish(e)} aria-label={`Publish ${entry.name} to the Hub`}>
          <div className="hub-field grow">
            <label htmlFor={`hub-publish-repo-${entry.path}`}>Repo (owner/name)</label>
            <input id={`hub-publish-repo-${entry.path}`} type="text" spellCheck={false} autoComplete="off" placeholder={status?.signedIn ? `${status.signedIn}/${suggested}` : 'owner/name'} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <label className="hub-check-label">
            <input type="checkbox" checked={create} onChange={(e) => setCreate(e.target.checked)} /> Create the repo if it does not exist
          </label>
          <label className="hub-check-label">
            <input type="checkbox" checked={priv} onChange={(e) => setPriv(e.target.checked)} /> Private
          </label>
          <p className="subtle hub-note">
            Every file of <span className="mono">{entry.path}</span> is uploaded (hidden files excluded). Without a README.md, Graft writes a model card from graft_provenance.json. That file itself holds the
            full local paths of the inputs: remove it first if they should stay private.
          </p>
          {blocked ? <p className="hub-warn">{blocked}</p> : null}
          <div className="hub-inline-form">
            <button type="submit" className="btn small primary" disabled={busy || running || !!blocked || !/^[\w.-]+\/[\w.-]+$/.test(repo)}>
              Publish
            </button>
            <button type="button" className="btn small quiet" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </form>
      )}
      {error ? <HubErrorNote error={error} /> : null}
      {jobId ? <HubJobPanel job={job} /> : null}
    </section>
  )
}
