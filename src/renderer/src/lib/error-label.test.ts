import { describe, expect, it } from 'vitest'
import { errorLabel } from './error-label'

describe('errorLabel', () => {
  it('says what to do for a validation message instead of "bad request"', () => {
    expect(errorLabel('BAD_REQUEST')).toBe('Check this')
    expect(errorLabel('OUTPUT_EXISTS')).toBe('Output folder exists')
  })
  it('reads other codes as words', () => {
    expect(errorLabel('TRUNCATED_FILE')).toBe('truncated file')
  })
})
