import { homedir } from 'node:os'
import { isAbsolute, join, normalize } from 'node:path'
import { z } from 'zod'
import type { ApiMethod, ApiMethods } from '../../shared/api'

/** Longest path accepted: PATH_MAX on Linux. */
const MAX_PATH = 4096
/** Adapters one merge may combine; more is almost certainly a mistake in the request. */
const MAX_ADAPTERS = 32
/** Folders one library.list may name. */
const MAX_FOLDERS = 256

/** An absolute local path (a leading ~ means the home folder), normalised. */
export const pathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PATH, `must be at most ${MAX_PATH} characters`)
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters')
  .transform((s) => (s === '~' || s.startsWith('~/') ? join(homedir(), s.slice(1)) : s))
  .refine((s) => isAbsolute(s), 'must be an absolute path (e.g. /home/me/models/llama)')
  .transform((s) => {
    const n = normalize(s)
    return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
  })

const empty = z.strictObject({})

const mergeParams = z.strictObject({
  base: pathSchema,
  adapters: z
    .array(z.strictObject({ dir: pathSchema, weight: z.number().finite().optional() }))
    .min(1, 'name at least one adapter')
    .max(MAX_ADAPTERS),
  out: pathSchema,
  dtype: z.enum(['keep', 'F32', 'F16', 'BF16']).optional(),
  maxShardBytes: z.number().int().nonnegative().optional(),
  overwrite: z.boolean().optional(),
})

/** One schema per API method: every request's params are checked before a handler sees them. */
export const paramSchemas = {
  'app.info': empty,
  'library.list': z.strictObject({ folders: z.array(pathSchema).max(MAX_FOLDERS).optional(), includeHfCache: z.boolean().optional() }),
  'library.addFolder': z.strictObject({ path: pathSchema }),
  'library.removeFolder': z.strictObject({ path: pathSchema }),
  'library.pickFolder': empty,
  'model.inspect': z.strictObject({ path: pathSchema }),
  'merge.plan': mergeParams,
  'jobs.start': z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('merge'), params: mergeParams }),
    z.strictObject({ kind: z.literal('hash'), params: z.strictObject({ path: pathSchema }) }),
  ]),
  'jobs.cancel': z.strictObject({ id: z.string().min(1).max(100) }),
  'jobs.list': empty,
} satisfies { [M in ApiMethod]: z.ZodType<ApiMethods[M]['params'], unknown> }
