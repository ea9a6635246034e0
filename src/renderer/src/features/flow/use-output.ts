import { useEffect, useState } from 'react'
import { isAbsolutePath, suggestOutput } from './paths'

/** An output folder field's state and suggestions. */
export interface OutputField {
  out: string
  setOut: (v: string) => void
  suggestions: { value: string; label?: string }[]
}

/**
 * An output folder that follows the input (NAME-suffix in the most recent output folder, else
 * beside the input) until the user types their own; recent folders are offered as suggestions.
 */
export function useOutput(input: string, suffix: string, recent: string[]): OutputField {
  const [out, setOutState] = useState('')
  const [touched, setTouched] = useState(false)
  const b = input.trim()
  useEffect(() => {
    if (!touched) setOutState(isAbsolutePath(b) ? suggestOutput(b, suffix, recent) : '')
  }, [b, suffix, recent, touched])
  const suggestions = [...(isAbsolutePath(b) ? [{ value: suggestOutput(b, suffix, recent), label: 'suggested' }] : []), ...recent.map((r) => ({ value: r, label: 'recent folder' }))]
  return {
    out,
    setOut: (v: string) => {
      setTouched(v !== '')
      setOutState(v)
    },
    suggestions,
  }
}
