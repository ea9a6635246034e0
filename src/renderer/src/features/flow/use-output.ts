import { useEffect, useState } from 'react'
import type { OutputCheckResult } from '../../../../shared/api'
import { call } from '../../lib/api'
import { useAppInfo } from '../../lib/app-info'
import { formatBytes } from '../../lib/format'
import { isAbsolutePath, numberedOutput, suggestOutput } from './paths'

/** How long typing must pause before the output folder is checked (paths.checkOutput). */
const CHECK_DEBOUNCE_MS = 300
/** Start over tries this many numbered names (`-2` … ) for a fresh output folder. */
const MAX_FRESH_TRIES = 50

/** An output folder field's state, suggestions and live check. */
export interface OutputField {
  out: string
  setOut: (v: string) => void
  suggestions: { value: string; label?: string }[]
  /** Why no job can write this folder (inside an input, a system folder, not Graft's …), shown on the field. */
  error: string | null
  /** A note on the field, e.g. that the folder holds an earlier Graft output. */
  note: string | null
  /** After a run: moves the field on to a fresh name (`-2`, `-3` …) so that running again never reuses `used`. */
  advance: (used: string) => Promise<void>
}

/** One line on an existing Graft output: which operation wrote it, when, and its size. */
export function describeGraftOutput(check: OutputCheckResult): string | null {
  const g = check.graftOutput
  if (!check.exists || !g) return null
  const when = g.created ? new Date(g.created).toLocaleString() : 'at an unknown time'
  return `a Graft ${g.operation} output (${formatBytes(g.bytes)}), written ${when}`
}

/**
 * An output folder that follows the input (NAME-suffix in the user's outputs folder, app.info's
 * outputsDir) until the user types their own; a typed value is never changed behind their back.
 * The folder is checked as it is typed against `inputs` (debounced paths.checkOutput).
 */
export function useOutput(input: string, suffix: string, recent: string[], inputs: string[] = [input]): OutputField {
  const info = useAppInfo()
  const [out, setOutState] = useState('')
  const [touched, setTouched] = useState(false)
  const [check, setCheck] = useState<OutputCheckResult | null>(null)
  const b = input.trim()
  const dir = info?.outputsDir ?? null
  useEffect(() => {
    if (!touched) setOutState(isAbsolutePath(b) && dir ? suggestOutput(b, suffix, dir) : '')
  }, [b, suffix, dir, touched])
  const ins = inputs.map((i) => i.trim()).filter(isAbsolutePath)
  const insKey = ins.join('\n')
  useEffect(() => {
    const o = out.trim()
    setCheck(null)
    if (!isAbsolutePath(o)) return
    let live = true
    const t = setTimeout(() => {
      call('paths.checkOutput', { out: o, inputs: insKey ? insKey.split('\n') : [] }).then(
        (r) => live && setCheck(r),
        () => {},
      )
    }, CHECK_DEBOUNCE_MS)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [out, insKey])
  const suggested = isAbsolutePath(b) && dir ? [{ value: suggestOutput(b, suffix, dir), label: 'suggested' }] : []
  const suggestions = [...suggested, ...recent.map((r) => ({ value: r, label: 'recent folder' }))]
  const existing = check ? describeGraftOutput(check) : null
  return {
    out,
    setOut: (v: string) => {
      setTouched(v !== '')
      setOutState(v)
    },
    suggestions,
    error: check && !check.ok ? check.problems[0].message : null,
    note: existing ? `This folder already holds ${existing}. Running again asks before replacing it.` : null,
    advance: async (used: string) => {
      for (let n = 2; n < MAX_FRESH_TRIES + 2; n++) {
        const candidate = numberedOutput(used, n)
        const r = await call('paths.checkOutput', { out: candidate, inputs: insKey ? insKey.split('\n') : [] }).catch(() => null)
        if (r && !r.exists) {
          setOutState(candidate)
          return
        }
      }
    },
  }
}
