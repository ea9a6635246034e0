import { useEffect, useState } from 'react'
import type { ModuleDeltaNorm } from '../../../../shared/api'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import { axisNumber } from '../flow/chart-utils'
import { DeltaNormChart } from './DeltaNormChart'

/** An adapter's per-layer change sizes: where the fine-tune changed the model most. */
export function DeltaNormPanel({ path }: { path: string }) {
  const [norms, setNorms] = useState<ModuleDeltaNorm[] | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  useEffect(() => {
    let live = true
    call('adapter.deltaNorms', { path }).then(
      (n) => live && setNorms(n),
      (e) => live && setError(errorInfoOf(e)),
    )
    return () => {
      live = false
    }
  }, [path])
  const outside = norms?.filter((n) => n.layer === null) ?? []
  return (
    <section className="panel" aria-labelledby="delta-title">
      <div className="panel-head">
        <div>
          <h2 id="delta-title">LoRA delta norms</h2>
          <p className="subtle">The size of each module's change, ‖s·B·A‖ (Frobenius), computed from the factors without forming B·A.</p>
        </div>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {norms === null && !error ? <p className="subtle">Computing…</p> : null}
      {norms && norms.length === 0 ? <p className="empty slim">This adapter has no LoRA factor pairs (lora_A/lora_B) to measure.</p> : null}
      {norms && norms.length > 0 ? (
        <>
          <DeltaNormChart norms={norms} />
          {outside.length ? (
            <p className="subtle">
              Outside numbered layers: {outside.map((n) => `${n.module} ${axisNumber(n.norm)}`).join(', ')}.
            </p>
          ) : null}
          <details className="delta-table">
            <summary>All {norms.length} modules</summary>
            <div className="table-wrap scroll-y">
              <table className="tensor-table">
                <thead>
                  <tr>
                    <th scope="col">Module</th>
                    <th scope="col" className="num">
                      Layer
                    </th>
                    <th scope="col">Kind</th>
                    <th scope="col" className="num">
                      Rank
                    </th>
                    <th scope="col" className="num">
                      Scaling
                    </th>
                    <th scope="col" className="num">
                      ‖s·B·A‖
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {norms.map((n) => (
                    <tr key={n.module}>
                      <td className="mono">{n.module}</td>
                      <td className="num">{n.layer ?? '—'}</td>
                      <td>{n.kind}</td>
                      <td className="num">{n.rank}</td>
                      <td className="num">{axisNumber(n.scaling)}</td>
                      <td className="num">{n.norm.toPrecision(4)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : null}
    </section>
  )
}
