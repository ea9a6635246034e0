import { API_METHODS, type ApiMethod, type ApiReply } from '../../shared/api'
import type { ErrorInfo } from '../../shared/errors'
import { toErrorInfo } from '../../core/errors'
import type { ApiHandlers } from './create-handlers'
import { paramSchemas } from './schemas'

/**
 * Validates one request and runs its handler. Never throws and never returns a stack trace:
 * an unknown method or invalid params give BAD_REQUEST; anything a handler throws becomes the
 * ErrorInfo of toErrorInfo. Unexpected (INTERNAL) errors are logged here, on the app side.
 */
export async function dispatchRequest(handlers: ApiHandlers, method: unknown, params: unknown): Promise<ApiReply<ApiMethod>> {
  if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
    return fail({ code: 'BAD_REQUEST', message: `Unknown method ${JSON.stringify(method)}.`, hint: `Known methods: ${API_METHODS.join(', ')}.` })
  }
  const m = method as ApiMethod
  const parsed = paramSchemas[m].safeParse(params ?? {})
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : 'params'}: ${i.message}`)
    return fail({ code: 'BAD_REQUEST', message: `Invalid params for ${m}: ${issues.join('; ')}.`, hint: 'This is a bug in the caller: the request does not match the API contract.' })
  }
  try {
    const handler = handlers[m] as (p: unknown) => Promise<unknown>
    return { ok: true, result: (await handler(parsed.data)) as never }
  } catch (e) {
    const error = toErrorInfo(e)
    if (error.code === 'INTERNAL') console.error(`graft: ${m} failed:`, e)
    return fail(error)
  }
}

function fail(error: ErrorInfo): ApiReply<ApiMethod> {
  const clean: ErrorInfo = { code: error.code, message: error.message }
  if (error.file) clean.file = error.file
  if (error.tensor) clean.tensor = error.tensor
  if (error.hint) clean.hint = error.hint
  return { ok: false, error: clean }
}
