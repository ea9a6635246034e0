import { describe, expect, it } from 'vitest'
import { formatWhen } from './format-when'

describe('formatWhen', () => {
  const now = new Date(2026, 11, 6, 15, 30).getTime()
  it('gives the time alone for today, the date before it otherwise', () => {
    expect(formatWhen(new Date(2026, 11, 6, 9, 5).getTime(), now)).toBe('today 09:05')
    expect(formatWhen(new Date(2026, 11, 5, 23, 59).getTime(), now)).toBe('5 Dec 23:59')
    expect(formatWhen(new Date(2025, 0, 2, 8, 0).getTime(), now)).toBe('2 Jan 2025 08:00')
  })
})
