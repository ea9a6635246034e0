import type { ErrorCode } from '../../../shared/errors'

/** Short plain labels for the codes a user meets in forms; the others read as their code in words. */
const LABELS: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Check this',
  NOT_FOUND: 'Not found',
  NOT_A_MODEL: 'Not a model',
  BAD_CONFIG: 'Config problem',
  ADAPTER_MISMATCH: 'Adapter does not fit',
  UNSUPPORTED_ADAPTER: 'Adapter not supported',
  UNSUPPORTED_MODEL: 'Model not supported',
  OUTPUT_EXISTS: 'Output folder exists',
  DISK_FULL: 'Disk full',
  TOKENIZER: 'Tokenizer problem',
  HUB: 'Hub request failed',
  UNAVAILABLE: 'Not available here',
  INTERNAL: 'Unexpected error',
}

/** The label an error note shows before its message: plain words, never HTTP jargon such as "bad request". */
export function errorLabel(code: string): string {
  return LABELS[code as ErrorCode] ?? code.replace(/_/g, ' ').toLowerCase()
}
