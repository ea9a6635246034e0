import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import type { CompareVocabCsvParams, DiffList, VocabDiffResult, VocabNormalization } from '../../../../shared/compare'
import type { ErrorInfo } from '../../../../shared/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { call, errorInfoOf } from '../../lib/api'
import { formatInt } from '../../lib/format'
import { downloadText, fileSafe, LETTERS, pct, visible, type ChosenTokenizer } from './compare-lib'

const PAGE = 100
const SEARCH_DEBOUNCE_MS = 300

interface Query {
  a: string
  b: string
  normalization: VocabNormalization
  search: string
  sort: 'id' | 'text'
}

/** Two vocabularies side by side: overlap, only-in lists (search, pages, CSV), special tokens, pipeline and id remap. */
export function VocabTab({ chosen, active }: { chosen: ChosenTokenizer[]; active: boolean }) {
  const [ai, setAi] = useState(0)
  const [bi, setBi] = useState(1)
  const [normalization, setNormalization] = useState<VocabNormalization>('readable')
  const [searchText, setSearchText] = useState('')
  const [search, setSearch] = useState('')
  const [sort, setSort] = useState<'id' | 'text'>('id')
  const [offA, setOffA] = useState(0)
  const [offB, setOffB] = useState(0)
  const [offR, setOffR] = useState(0)
  const [diff, setDiff] = useState<{ key: string; result: VocabDiffResult; onlyInB: DiffList } | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [busy, setBusy] = useState(false)
  const [exporting, setExporting] = useState<string | null>(null)
  const seq = useRef(0)
  const uid = useId()

  const n = chosen.length
  const a = chosen[Math.min(ai, n - 1)]
  const b = chosen[Math.min(bi, n - 1)]
  const ready = n >= 2 && a !== undefined && b !== undefined
  const query: Query | null = ready ? { a: a.path, b: b.path, normalization, search, sort } : null
  const qkey = JSON.stringify(query)

  // Keep A and B distinct and in range when tokenizers are removed.
  useEffect(() => {
    if (n < 2) return
    if (ai >= n) setAi(0)
    if (bi >= n || bi === ai) setBi(ai === 0 ? 1 : 0)
  }, [n, ai, bi])

  useEffect(() => {
    const t = setTimeout(() => setSearch(searchText.trim()), SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(t)
  }, [searchText])

  // A new pair, normalization, search or sort starts every list on its first page.
  useEffect(() => {
    setOffA(0)
    setOffB(0)
    setOffR(0)
  }, [qkey])

  useEffect(() => {
    if (!active || !query) return
    const my = ++seq.current
    setBusy(true)
    const base = { a: query.a, b: query.b, normalization: query.normalization, sort: query.sort, ...(query.search ? { search: query.search } : {}) }
    const main = call('compare.vocabDiff', { ...base, offset: offA, limit: PAGE, remapOffset: offR, remapLimit: PAGE })
    const other = offB === offA ? main : call('compare.vocabDiff', { ...base, offset: offB, limit: PAGE, remapLimit: 0 })
    Promise.all([main, other]).then(
      ([r, rb]) => {
        if (my !== seq.current) return
        setDiff({ key: qkey, result: r, onlyInB: rb.onlyInB })
        setError(null)
        setBusy(false)
      },
      (e) => {
        if (my !== seq.current) return
        setError(errorInfoOf(e))
        setBusy(false)
      },
    )
  }, [active, qkey, offA, offB, offR])

  const exportCsv = async (list: CompareVocabCsvParams['list']) => {
    if (!query || !a || !b) return
    setExporting(list)
    try {
      const { csv } = await call('compare.vocabCsv', { a: query.a, b: query.b, list, normalization: query.normalization, sort: query.sort, ...(query.search ? { search: query.search } : {}) })
      const what = list === 'only-a' ? `only-in-${fileSafe(a.label)}` : list === 'only-b' ? `only-in-${fileSafe(b.label)}` : 'shared-id-remap'
      downloadText(`${fileSafe(a.label)}-vs-${fileSafe(b.label)}-${what}${query.search ? `-${fileSafe(query.search)}` : ''}.csv`, csv)
    } catch (e) {
      setError(errorInfoOf(e))
    } finally {
      setExporting(null)
    }
  }

  if (n < 2) return <p className="empty">Choose at least two tokenizers above to compare their vocabularies.</p>
  const d = diff?.result
  const la = a.label
  const lb = b.label
  const current = diff !== null && diff.key === qkey

  return (
    <div className="cmp-vocab-tab" aria-busy={busy}>
      <div className="cmp-vocab-controls">
        {n > 2 ? (
          <>
            <PairSelect id={`${uid}-a`} label="A" value={ai} chosen={chosen} other={bi} onChange={setAi} />
            <PairSelect id={`${uid}-b`} label="B" value={bi} chosen={chosen} other={ai} onChange={setBi} />
          </>
        ) : (
          <p>
            <span className={`cmp-letter cmp-letter-${ai}`}>{LETTERS[ai]}</span> {la} <span className="subtle">against</span> <span className={`cmp-letter cmp-letter-${bi}`}>{LETTERS[bi]}</span> {lb}
          </p>
        )}
        <button
          type="button"
          className="btn small"
          onClick={() => {
            setAi(bi)
            setBi(ai)
          }}
        >
          Swap A and B
        </button>
        <fieldset className="cmp-segmented">
          <legend className="sr-only">Compare tokens as</legend>
          {(['readable', 'raw'] as const).map((v) => (
            <label key={v} className={normalization === v ? 'cmp-on' : ''}>
              <input type="radio" name={`${uid}-norm`} value={v} checked={normalization === v} onChange={() => setNormalization(v)} />
              {v === 'readable' ? 'As text' : 'As stored'}
            </label>
          ))}
        </fieldset>
        <span className="subtle" role="status" aria-live="polite">
          {busy ? 'Comparing…' : ''}
        </span>
      </div>
      {d ? <p className="subtle cmp-small-print">{d.normalization.description}</p> : null}
      {error ? <ErrorNote error={error} /> : null}
      {d ? (
        <>
          <Overview d={d} la={la} lb={lb} ia={ai} ib={bi} />
          <div className="cmp-vocab-search">
            <label htmlFor={`${uid}-search`} className="cmp-field-label">
              Search tokens
            </label>
            <input id={`${uid}-search`} type="search" placeholder="Substring of the token or its text, e.g. ing or 日本" value={searchText} onChange={(e) => setSearchText(e.target.value)} />
            <label htmlFor={`${uid}-sort`} className="cmp-field-label">
              Sort by
            </label>
            <select id={`${uid}-sort`} value={sort} onChange={(e) => setSort(e.target.value as 'id' | 'text')}>
              <option value="id">id</option>
              <option value="text">text</option>
            </select>
          </div>
          <div className="cmp-only-lists" aria-busy={!current}>
            <OnlyList title={`Only in ${la}`} letter={ai} list={d.onlyInA} onPage={setOffA} onExport={() => void exportCsv('only-a')} exporting={exporting === 'only-a'} />
            <OnlyList title={`Only in ${lb}`} letter={bi} list={diff!.onlyInB} onPage={setOffB} onExport={() => void exportCsv('only-b')} exporting={exporting === 'only-b'} />
          </div>
          <SpecialTokens d={d} la={la} lb={lb} />
          <Sections d={d} la={la} lb={lb} />
          <Remap d={d} la={la} lb={lb} onPage={setOffR} onExport={() => void exportCsv('shared')} exporting={exporting === 'shared'} />
        </>
      ) : !error ? (
        <p className="empty">{busy ? 'Loading both vocabularies…' : ' '}</p>
      ) : null}
    </div>
  )
}

function PairSelect({ id, label, value, other, chosen, onChange }: { id: string; label: string; value: number; other: number; chosen: ChosenTokenizer[]; onChange: (i: number) => void }) {
  return (
    <span className="cmp-pair-select">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {chosen.map((c, i) => (
          <option key={c.path} value={i} disabled={i === other}>
            {LETTERS[i]}: {c.label}
          </option>
        ))}
      </select>
    </span>
  )
}

function Overview({ d, la, lb, ia, ib }: { d: VocabDiffResult; la: string; lb: string; ia: number; ib: number }) {
  const rows: [string, ReactNode, ReactNode][] = [
    ['Model', `${d.a.modelType} · ${d.a.alphabet}`, `${d.b.modelType} · ${d.b.alphabet}`],
    ['Size (len(tokenizer))', formatInt(d.a.size), formatInt(d.b.size)],
    ['Model vocabulary', formatInt(d.a.vocabSize), formatInt(d.b.vocabSize)],
    ['Added tokens', formatInt(d.a.addedTokens.length), formatInt(d.b.addedTokens.length)],
    ['Distinct strings', formatInt(d.a.distinct), formatInt(d.b.distinct)],
    ['Only in this one', formatInt(d.onlyA), formatInt(d.onlyB)],
  ]
  const total = d.union || 1
  const W = 600
  const wa = (W * d.onlyA) / total
  const ws = (W * d.shared) / total
  return (
    <section className="cmp-vocab-overview" aria-label="Vocabulary sizes and overlap">
      <div className="table-wrap">
        <table className="cmp-vocab-sizes">
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col" className="num">
                <span className={`cmp-letter cmp-letter-${ia}`}>{LETTERS[ia]}</span> {la}
              </th>
              <th scope="col" className="num">
                <span className={`cmp-letter cmp-letter-${ib}`}>{LETTERS[ib]}</span> {lb}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([k, x, y]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td className="num">{x}</td>
                <td className="num">{y}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="cmp-overlap">
        <p className="cmp-overlap-line">
          <strong>{formatInt(d.shared)}</strong> shared of {formatInt(d.union)} distinct · Jaccard <strong className="cmp-jaccard">{d.jaccard.toFixed(4)}</strong> ({pct(d.jaccard)})
        </p>
        <p className="subtle">
          {formatInt(d.remap.sameId)} of the shared tokens keep their id ({pct(d.shared ? d.remap.sameId / d.shared : 0)}).
        </p>
        <svg className="cmp-overlap-bar" viewBox={`0 0 ${W} 26`} role="img" aria-label={`Only in ${la}: ${d.onlyA}; shared: ${d.shared}; only in ${lb}: ${d.onlyB}`}>
          <rect className={`cmp-bar cmp-series-${ia}`} x={0} y={3} width={wa} height={20} />
          <rect className="cmp-bar cmp-shared" x={wa} y={3} width={ws} height={20} />
          <rect className={`cmp-bar cmp-series-${ib}`} x={wa + ws} y={3} width={Math.max(0, W - wa - ws)} height={20} />
        </svg>
        <p className="cmp-overlap-legend subtle">
          <span>
            <span className={`cmp-swatch cmp-series-bg-${ia}`} /> only {la}
          </span>
          <span>
            <span className="cmp-swatch cmp-shared-bg" /> shared
          </span>
          <span>
            <span className={`cmp-swatch cmp-series-bg-${ib}`} /> only {lb}
          </span>
        </p>
      </div>
    </section>
  )
}

function Pager({ total, offset, count, onPage, label }: { total: number; offset: number; count: number; onPage: (o: number) => void; label: string }) {
  return (
    <div className="pager" aria-label={`${label} pages`}>
      <button type="button" className="btn small" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - PAGE))} aria-label={`${label}: previous page`}>
        ‹ Prev
      </button>
      <span className="subtle">{total === 0 ? 'none' : `${formatInt(offset + 1)}–${formatInt(offset + count)} of ${formatInt(total)}`}</span>
      <button type="button" className="btn small" disabled={offset + count >= total} onClick={() => onPage(offset + PAGE)} aria-label={`${label}: next page`}>
        Next ›
      </button>
    </div>
  )
}

function OnlyList({ title, letter, list, onPage, onExport, exporting }: { title: string; letter: number; list: DiffList; onPage: (o: number) => void; onExport: () => void; exporting: boolean }) {
  return (
    <section className="cmp-only-list" aria-label={title}>
      <header className="cmp-only-head">
        <h3>
          <span className={`cmp-letter cmp-letter-${letter}`} aria-hidden="true">
            {LETTERS[letter]}
          </span>{' '}
          {title} <span className="subtle">({formatInt(list.total)})</span>
        </h3>
        <button type="button" className="btn small" onClick={onExport} disabled={exporting || list.total === 0}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </header>
      <div className="table-wrap cmp-list-scroll">
        <table className="cmp-token-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                id
              </th>
              <th scope="col">token (stored)</th>
              <th scope="col">text</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((t) => (
              <tr key={t.id}>
                <td className="num">{t.id}</td>
                <td className="mono">{t.token}</td>
                <td className="mono">{visible(t.normalized)}</td>
              </tr>
            ))}
            {list.items.length === 0 ? (
              <tr>
                <td colSpan={3} className="subtle">
                  Nothing here.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager total={list.total} offset={list.offset} count={list.items.length} onPage={onPage} label={title} />
    </section>
  )
}

function Chips({ items, empty }: { items: string[]; empty: string }) {
  if (items.length === 0) return <span className="subtle">{empty}</span>
  return (
    <span className="cmp-chips">
      {items.map((t) => (
        <code key={t} className="cmp-chip">
          {visible(t)}
        </code>
      ))}
    </span>
  )
}

function SpecialTokens({ d, la, lb }: { d: VocabDiffResult; la: string; lb: string }) {
  const roles = (s: VocabDiffResult['a']) =>
    Object.entries(s.specialTokens.roles)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => `${k.replace(/_token$/, '')}: ${v}`)
  return (
    <section className="cmp-special-tokens" aria-labelledby="compare-special-title">
      <h3 id="compare-special-title">Special and added tokens</h3>
      <dl className="cmp-special-grid">
        <dt>In both</dt>
        <dd>
          <Chips items={d.special.both} empty="none" />
        </dd>
        <dt>Only in {la}</dt>
        <dd>
          <Chips items={d.special.onlyA} empty="none" />
        </dd>
        <dt>Only in {lb}</dt>
        <dd>
          <Chips items={d.special.onlyB} empty="none" />
        </dd>
        <dt>Roles</dt>
        <dd>
          <span className="subtle">{la}:</span> <Chips items={roles(d.a)} empty="none named" /> <span className="subtle">{lb}:</span> <Chips items={roles(d.b)} empty="none named" />
        </dd>
      </dl>
      <details>
        <summary>
          Added tokens: {formatInt(d.a.addedTokens.length)} in {la}, {formatInt(d.b.addedTokens.length)} in {lb}
        </summary>
        <div className="cmp-added-lists">
          {[
            [la, d.a.addedTokens],
            [lb, d.b.addedTokens],
          ].map(([name, list]) => (
            <div key={name as string} className="table-wrap cmp-list-scroll">
              <table className="cmp-token-table">
                <caption>{name as string}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      id
                    </th>
                    <th scope="col">content</th>
                    <th scope="col">special</th>
                  </tr>
                </thead>
                <tbody>
                  {(list as VocabDiffResult['a']['addedTokens']).map((t) => (
                    <tr key={t.id}>
                      <td className="num">{t.id}</td>
                      <td className="mono">{visible(t.content)}</td>
                      <td>{t.special ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      </details>
    </section>
  )
}

const SECTION_LABEL: Record<VocabDiffResult['sections'][number]['section'], string> = {
  model: 'Model',
  normalizer: 'Normalizer',
  pre_tokenizer: 'Pre-tokenizer',
  post_processor: 'Post-processor',
  decoder: 'Decoder',
}

function Sections({ d, la, lb }: { d: VocabDiffResult; la: string; lb: string }) {
  return (
    <section aria-labelledby="compare-sections-title">
      <h3 id="compare-sections-title">Pipeline</h3>
      <div className="table-wrap">
        <table className="cmp-sections-table">
          <thead>
            <tr>
              <th scope="col">Section</th>
              <th scope="col">Same?</th>
              <th scope="col">{la}</th>
              <th scope="col">{lb}</th>
            </tr>
          </thead>
          <tbody>
            {d.sections.map((s) => (
              <tr key={s.section} className={s.same ? '' : 'cmp-differs'}>
                <th scope="row">{SECTION_LABEL[s.section]}</th>
                <td>{s.same ? <span className="cmp-same">same</span> : <span className="cmp-differs-badge">differs</span>}</td>
                <td className="mono cmp-wrap">{s.a}</td>
                <td className="mono cmp-wrap">
                  {s.b}
                  {!s.same && s.paths.length ? (
                    <details>
                      <summary>
                        {formatInt(s.pathCount)} difference{s.pathCount === 1 ? '' : 's'}
                      </summary>
                      <ul className="cmp-paths">
                        {s.paths.map((p) => (
                          <li key={p}>{p}</li>
                        ))}
                        {s.pathCount > s.paths.length ? <li className="subtle">… {formatInt(s.pathCount - s.paths.length)} more</li> : null}
                      </ul>
                    </details>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function Remap({ d, la, lb, onPage, onExport, exporting }: { d: VocabDiffResult; la: string; lb: string; onPage: (o: number) => void; onExport: () => void; exporting: boolean }) {
  const r = d.remap
  return (
    <section className="cmp-remap" aria-labelledby="compare-remap-title">
      <header className="cmp-only-head">
        <h3 id="compare-remap-title">
          Id remap of shared tokens <span className="subtle">({formatInt(r.total)})</span>
        </h3>
        <button type="button" className="btn small" onClick={onExport} disabled={exporting || r.total === 0}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </header>
      <div className="table-wrap cmp-list-scroll">
        <table className="cmp-token-table">
          <thead>
            <tr>
              <th scope="col">text</th>
              <th scope="col" className="num">
                {la} id
              </th>
              <th scope="col">{la} token</th>
              <th scope="col" className="num">
                {lb} id
              </th>
              <th scope="col">{lb} token</th>
            </tr>
          </thead>
          <tbody>
            {r.items.map((row) => (
              <tr key={row.aId} className={row.aId === row.bId ? 'cmp-same-id' : ''}>
                <td className="mono">{visible(row.normalized)}</td>
                <td className="num">{row.aId}</td>
                <td className="mono">{row.aToken}</td>
                <td className="num">{row.bId}</td>
                <td className="mono">{row.bToken}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager total={r.total} offset={r.offset} count={r.items.length} onPage={onPage} label="Id remap" />
    </section>
  )
}
