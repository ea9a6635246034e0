/** An accessible determinate progress bar. */
export function ProgressBar({ value, label, state }: { value: number; label: string; state?: string }) {
  const pct = Math.max(0, Math.min(100, value * 100))
  return (
    <div className={`progress ${state ?? ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  )
}
