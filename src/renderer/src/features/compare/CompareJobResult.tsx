import type { JobInfo } from '../../../../shared/api'
import type { MetricsResult } from '../../../../shared/compare'
import { formatInt } from '../../lib/format'
import { fmt, pct } from './compare-lib'

/** A finished compare-corpus job on the Jobs screen: the totals per tokenizer (details on the Compare screen). */
export function CompareJobResult({ job }: { job: JobInfo }) {
  const r = job.result as MetricsResult | null
  if (!r?.total) return null
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Corpus metrics per tokenizer</caption>
        <thead>
          <tr>
            <th scope="col">Tokenizer</th>
            <th scope="col" className="num">
              Tokens
            </th>
            <th scope="col" className="num">
              Chars/token
            </th>
            <th scope="col" className="num">
              Fertility
            </th>
            <th scope="col" className="num">
              Words split
            </th>
          </tr>
        </thead>
        <tbody>
          {r.total.perTokenizer.map((m, i) => (
            <tr key={i}>
              <td className="mono" title={r.tokenizers[i]?.path}>
                {r.tokenizers[i]?.name}
              </td>
              <td className="num">{formatInt(m.tokens)}</td>
              <td className="num">{fmt(m.charsPerToken)}</td>
              <td className="num">{fmt(m.fertility)}</td>
              <td className="num">{pct(m.splitWordShare)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="subtle" style={{ padding: '6px 10px' }}>
        {formatInt(r.files.length)} file(s) · {formatInt(r.total.documents)} documents · {formatInt(r.total.characters)} characters. Per-file and per-language rows are on the Compare screen (Corpus tab).
      </p>
    </div>
  )
}
