import { useDeferredValue, useId, useMemo, useState } from 'react'
import type { TensorInfo } from '../../../shared/api'
import { formatBytes, formatInt, formatShape } from '../lib/format'

/** Rows per page: thousands of tensors stay responsive without a virtual list. */
export const TENSOR_PAGE_SIZE = 100

/** Every tensor of a checkpoint, filterable by name, dtype or shard file, a page at a time. */
export function TensorTable({ tensors }: { tensors: TensorInfo[] }) {
  const [filter, setFilter] = useState('')
  // Unique per table: the Library's details pane and Inspect can both show one.
  const filterId = useId()
  const [page, setPage] = useState(0)
  const deferred = useDeferredValue(filter)
  const rows = useMemo(() => {
    const terms = deferred.toLowerCase().split(/\s+/).filter(Boolean)
    if (terms.length === 0) return tensors
    return tensors.filter((t) => {
      const hay = `${t.name} ${t.dtype} ${t.file}`.toLowerCase()
      return terms.every((w) => hay.includes(w))
    })
  }, [tensors, deferred])
  const pages = Math.max(1, Math.ceil(rows.length / TENSOR_PAGE_SIZE))
  const p = Math.min(page, pages - 1)
  const shown = rows.slice(p * TENSOR_PAGE_SIZE, (p + 1) * TENSOR_PAGE_SIZE)

  return (
    <div className="tensors">
      <div className="tensors-bar">
        <h3>Tensors</h3>
        <label className="sr-only" htmlFor={filterId}>
          Filter tensors
        </label>
        <input
          id={filterId}
          type="search"
          placeholder="Filter by name, dtype or file (e.g. embed, lm_head, BF16)"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value)
            setPage(0)
          }}
        />
        <span className="subtle" aria-live="polite">
          {rows.length === 0 ? 'No tensors match' : `${formatInt(p * TENSOR_PAGE_SIZE + 1)}–${formatInt(p * TENSOR_PAGE_SIZE + shown.length)} of ${formatInt(rows.length)}`}
          {rows.length !== tensors.length ? ` (filtered from ${formatInt(tensors.length)})` : ''}
        </span>
        <div className="pager">
          <button type="button" className="btn small" onClick={() => setPage(p - 1)} disabled={p === 0} aria-label="Previous page">
            ‹ Prev
          </button>
          <span className="subtle">
            Page {p + 1} / {pages}
          </span>
          <button type="button" className="btn small" onClick={() => setPage(p + 1)} disabled={p >= pages - 1} aria-label="Next page">
            Next ›
          </button>
        </div>
      </div>
      <div className="table-wrap">
        <table className="tensor-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Dtype</th>
              <th scope="col">Shape</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Shard</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr key={t.name}>
                <td className="mono">{t.name}</td>
                <td>{t.dtype}</td>
                <td className="mono">{formatShape(t.shape)}</td>
                <td className="num">{formatBytes(t.bytes)}</td>
                <td className="mono subtle">{t.file}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}
