import { homedir } from 'node:os'
import { isAbsolute, join, normalize } from 'node:path'
import { z } from 'zod'
import type { ApiMethod, ApiMethods } from '../../shared/api'
import { MAX_TOKEN_CHARS } from '../../shared/vocab'
import { hubSchemas } from '../hub/hub-schemas'
import { compareSchemas } from '../compare/compare-schemas'

/** Longest path accepted: PATH_MAX on Linux. */
const MAX_PATH = 4096
/** Adapters one merge may combine; more is almost certainly a mistake in the request. */
const MAX_ADAPTERS = 32
/** Inputs one paths.checkOutput may name: a base, the adapters and a tokenizer. */
const MAX_CHECK_INPUTS = MAX_ADAPTERS + 4
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
})

/** Largest vocabulary size, padding multiple or row index accepted: about 40 times today's largest (262,144). */
const MAX_VOCAB_SIZE = 10_000_000
/** Tokens one request may add. */
const MAX_NEW_TOKENS = 10_000
/** Longest sample text for the tokens preview. */
const MAX_PREVIEW_CHARS = 20_000

const vocabSizeSchema = z.number().int().positive().max(MAX_VOCAB_SIZE)
const initKindSchema = z.enum(['mean', 'trained-mean', 'subtoken-mean', 'mean-noise', 'zeros'])
const newTokenSchema = z.strictObject({
  content: z.string().min(1, 'must not be empty').max(MAX_TOKEN_CHARS, `must be at most ${MAX_TOKEN_CHARS} characters`),
  special: z.boolean(),
  normalized: z.boolean().optional(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  single_word: z.boolean().optional(),
})
const newTokensSchema = z.array(newTokenSchema).min(1, 'name at least one token').max(MAX_NEW_TOKENS, `at most ${MAX_NEW_TOKENS} tokens at a time`)

const resizeParams = z.strictObject({
  base: pathSchema,
  out: pathSchema,
  newSize: vocabSizeSchema.optional(),
  padToMultipleOf: vocabSizeSchema.optional(),
  init: z.union([initKindSchema, z.strictObject({ kind: z.literal('copy-row'), row: z.number().int().nonnegative().max(MAX_VOCAB_SIZE) })]),
  seed: z.number().int().nonnegative().max(2 ** 32 - 1).optional(),
  allowShrink: z.boolean().optional(),
})
const roleTokenSchema = z.string().min(1, 'must not be empty').max(MAX_TOKEN_CHARS, `must be at most ${MAX_TOKEN_CHARS} characters`)
/** Special-token roles, each naming a token by its content. */
const tokenRolesSchema = z.strictObject({ pad: roleTokenSchema.optional(), bos: roleTokenSchema.optional(), eos: roleTokenSchema.optional(), unk: roleTokenSchema.optional() })
const tokensAddParams = z
  .strictObject({
    base: pathSchema,
    out: pathSchema,
    // Empty only when roles are set (reassigning roles to existing tokens).
    tokens: z.array(newTokenSchema).max(MAX_NEW_TOKENS, `at most ${MAX_NEW_TOKENS} tokens at a time`),
    init: initKindSchema,
    padToMultipleOf: vocabSizeSchema.optional(),
    mode: z.enum(['added', 'vocab']).optional(),
    force: z.boolean().optional(),
    roles: tokenRolesSchema.optional(),
    })
  .refine((p) => p.tokens.length > 0 || Object.values(p.roles ?? {}).some((v) => v !== undefined), { path: ['tokens'], message: 'name at least one token (or a role)' })
const untrainedFixParams = z.strictObject({ base: pathSchema, out: pathSchema, strategy: z.enum(['trained-mean', 'mean']).optional() })

/** The output-writing jobs, which jobs.plan plans (jobs.start then runs the plan by its id). */
const plannedJobs = [
  z.strictObject({ kind: z.literal('merge'), params: mergeParams }),
  z.strictObject({ kind: z.literal('resize'), params: resizeParams }),
  z.strictObject({ kind: z.literal('tokens-add'), params: tokensAddParams }),
  z.strictObject({ kind: z.literal('untrained-fix'), params: untrainedFixParams }),
] as const

/** jobs.start of an output-writing job: the id jobs.plan returned, plus execution options. */
const runPlanParams = z.strictObject({ planId: z.string().min(1).max(100), overwrite: z.boolean().optional(), allowNonFinite: z.boolean().optional() })

const hub = hubSchemas(pathSchema)
const compare = compareSchemas(pathSchema)

/** One schema per API method: every request's params are checked before a handler sees them. */
export const paramSchemas = {
  'app.info': empty,
  'app.openFolder': z.strictObject({ path: pathSchema }),
  'paths.checkOutput': z.strictObject({ out: pathSchema, inputs: z.array(pathSchema).max(MAX_CHECK_INPUTS) }),
  'library.list': z.strictObject({ folders: z.array(pathSchema).max(MAX_FOLDERS).optional(), includeHfCache: z.boolean().optional() }),
  'library.addFolder': z.strictObject({ path: pathSchema }),
  'library.removeFolder': z.strictObject({ path: pathSchema }),
  'library.pickFolder': empty,
  'model.inspect': z.strictObject({ path: pathSchema }),
  'merge.plan': mergeParams,
  'jobs.start': z.union([
    runPlanParams,
    z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('scan'), params: z.strictObject({ path: pathSchema, newFrom: z.number().int().nonnegative().max(MAX_VOCAB_SIZE).optional() }) }),
      z.strictObject({ kind: z.literal('hash'), params: z.strictObject({ path: pathSchema }) }),
      ...hub.jobs,
      ...compare.jobs,
    ]),
  ]),
  'jobs.cancel': z.strictObject({ id: z.string().min(1).max(100) }),
  'jobs.list': empty,
  'library.folders': empty,
  'vocab.table': z.strictObject({ path: pathSchema }),
  'jobs.plan': z.strictObject({ request: z.discriminatedUnion('kind', [...plannedJobs]) }),
  'adapter.deltaNorms': z.strictObject({ path: pathSchema }),
  'tokens.preview': z.strictObject({ path: pathSchema, tokens: newTokensSchema, text: z.string().max(MAX_PREVIEW_CHARS, `must be at most ${MAX_PREVIEW_CHARS} characters`), mode: z.enum(['added', 'vocab']).optional() }),
  ...hub.methods,
  ...compare.methods,
} satisfies { [M in ApiMethod]: z.ZodType<ApiMethods[M]['params'], unknown> }
