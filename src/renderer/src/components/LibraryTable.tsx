import type { LibraryEntry } from '../../../shared/api'
import { formatBytes, formatCount, formatInt } from '../lib/format'
import { entryProblem } from '../lib/entry-problem'
import { ErrorNote } from './ErrorNote'

const ORIGIN_LABEL: Record<LibraryEntry['origin'], string> = { demo: 'Demo', folder: 'Folder', 'hf-cache': 'HF cache' }

export function architectureLabel(e: LibraryEntry): string {
  if (e.kind === 'adapter') {
    const type = e.architecture === 'LORA' ? (e.adapter?.useDora ? 'DoRA' : 'LoRA') : e.architecture === 'TRAINABLE_TOKENS' ? 'Trainable tokens' : (e.architecture ?? 'Adapter')
    return e.adapter?.r ? `${type} · r ${e.adapter.r}` : type
  }
  return e.architecture ?? e.modelType ?? '—'
}

/** The Library as a table: one row per entry, readable error rows for folders that failed. */
export function LibraryTable(props: {
  entries: LibraryEntry[]
  selected: string | null
  hashing: Set<string>
  onSelect: (path: string) => void
  onHash: (e: LibraryEntry) => void
  onRemove: (e: LibraryEntry) => void
  onInspect?: (path: string) => void
  onMerge?: (adapter: string) => void
  onRedownload?: (e: LibraryEntry) => void
}) {
  const { entries, selected } = props
  return (
    <div className="table-wrap">
      <table className="library-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Architecture</th>
            <th scope="col" className="num">
              Params
            </th>
            <th scope="col" className="col-opt">
              Dtype
            </th>
            <th scope="col" className="num">
              Vocab size
            </th>
            <th scope="col" className="num col-opt">
              Embed rows
            </th>
            <th scope="col" className="col-opt">
              Tied
            </th>
            <th scope="col" className="num col-opt">
              Shards
            </th>
            <th scope="col" className="num" title="Every file of the folder, tokenizer and configs included">
              On disk
            </th>
            <th scope="col" className="actions">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (e.error ? <ErrorRow key={e.path} entry={e} {...props} /> : <EntryRow key={e.path} entry={e} isSelected={selected === e.path} {...props} />))}
        </tbody>
      </table>
    </div>
  )
}

function NameCell({ entry, onSelect, clickable, selected = false }: { entry: LibraryEntry; onSelect?: (p: string) => void; clickable: boolean; selected?: boolean }) {
  return (
    <th scope="row" className="name-cell">
      <div className="name-line">
        {clickable && onSelect ? (
          <button type="button" className="entry-name" onClick={() => onSelect(entry.path)} title={`Inspect ${entry.path}`} aria-current={selected ? 'true' : undefined}>
            {entry.name}
          </button>
        ) : (
          <span className="entry-name plain">{entry.name}</span>
        )}
        <span className={`origin origin-${entry.origin}`}>{ORIGIN_LABEL[entry.origin]}</span>
      </div>
      <div className="entry-path" title={entry.path}>
        {entry.path}
      </div>
    </th>
  )
}

function EntryRow({ entry: e, isSelected, hashing, onSelect, onHash, onRemove, onInspect, onMerge }: { entry: LibraryEntry; isSelected: boolean; hashing: Set<string>; onSelect: (p: string) => void; onHash: (e: LibraryEntry) => void; onRemove: (e: LibraryEntry) => void; onInspect?: (path: string) => void; onMerge?: (adapter: string) => void }) {
  const short = e.tokenizerSize != null && e.embedRows != null && e.tokenizerSize > e.embedRows
  return (
    <tr className={isSelected ? 'selected' : undefined} onClick={(ev) => !(ev.target as HTMLElement).closest('button') && onSelect(e.path)}>
      <NameCell entry={e} onSelect={onSelect} clickable selected={isSelected} />
      <td>
        <span className={`kind kind-${e.kind}`}>{e.kind}</span>
      </td>
      <td className="arch">{architectureLabel(e)}</td>
      <td className="num" title={e.paramCount != null ? formatInt(e.paramCount) : undefined}>
        {formatCount(e.paramCount)}
      </td>
      <td className="col-opt">{e.dtype ?? '—'}</td>
      <td className="num">{formatInt(e.vocabSize)}</td>
      <td className={short ? 'num warn col-opt' : 'num col-opt'} title={short ? `The tokenizer has ${formatInt(e.tokenizerSize)} tokens but the embedding only ${formatInt(e.embedRows)} rows.` : undefined}>
        {formatInt(e.embedRows)}
        {short ? ' ⚠' : ''}
      </td>
      <td className="col-opt">{e.tied === null ? '—' : e.tied ? 'yes' : 'no'}</td>
      <td className="num col-opt">{e.kind === 'tokenizer' ? '—' : e.shardCount}</td>
      <td className="num">{formatBytes(e.sizeBytes)}</td>
      <td className="actions">
        {onInspect ? (
          <button type="button" className="btn small" onClick={() => onInspect(e.path)} title={e.kind === 'tokenizer' ? 'Open in Inspect: the tokenizer’s length and special tokens' : 'Open in Inspect: vocabulary checks, untrained rows, plots'}>
            Inspect
          </button>
        ) : null}
        {onMerge && e.kind === 'adapter' ? (
          <button type="button" className="btn small" onClick={() => onMerge(e.path)} title="Open Merge with this adapter; the base it names is offered there">
            Merge…
          </button>
        ) : null}
        <button type="button" className="btn small" onClick={() => onHash(e)} disabled={hashing.has(e.path)} title="Compute the sha256 of every file in the folder (runs as a job)">
          {hashing.has(e.path) ? 'Hashing…' : 'Hash files'}
        </button>
        {e.origin === 'folder' ? (
          <button type="button" className="btn small quiet" onClick={() => onRemove(e)} title="Remove the library folder that holds this entry (nothing is deleted from disk)">
            Remove
          </button>
        ) : null}
      </td>
    </tr>
  )
}

function ErrorRow({ entry: e, onRemove, onRedownload }: { entry: LibraryEntry; onRemove: (e: LibraryEntry) => void; onRedownload?: (e: LibraryEntry) => void }) {
  const problem = entryProblem(e)
  return (
    <tr className="error-row">
      <NameCell entry={e} clickable={false} />
      <td>
        <span className={problem === 'unreadable' ? 'kind kind-error' : 'kind kind-warn'}>{problem}</span>
      </td>
      <td colSpan={8}>{e.error ? <ErrorNote error={e.error} compact /> : null}</td>
      <td className="actions">
        {e.incomplete && e.repoId && onRedownload ? (
          <button type="button" className="btn small" onClick={() => onRedownload(e)} title={`Download ${e.repoId} again into the Hugging Face cache (runs as a job)`}>
            Download again
          </button>
        ) : null}
        {e.origin === 'folder' ? (
          <button type="button" className="btn small quiet" onClick={() => onRemove(e)} title="Remove this folder from the Library (nothing is deleted from disk)">
            Remove
          </button>
        ) : null}
      </td>
    </tr>
  )
}
