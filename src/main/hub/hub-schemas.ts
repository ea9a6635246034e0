import { z } from 'zod'
import { HUB_TOKEN_RE } from './hub-service'

/** Longest Hub repo id: owner (96) + '/' + name (96). */
const MAX_REPO_ID = 193
/** A search page is at most this many models (search-models.ts MAX_PAGE). */
const MAX_PAGE = 100
/** Files one download may name; large sharded checkpoints have a few hundred. */
const MAX_INCLUDE = 5000

const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/

/** `owner/name` or a legacy `name`: letters, digits, `_`, `-`, `.`; no `--`, no `..`, not ending in .git (huggingface_hub's rules). */
export const repoIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_REPO_ID, `must be at most ${MAX_REPO_ID} characters`)
  .regex(/^(?:[A-Za-z0-9][\w.-]{0,95}\/)?[A-Za-z0-9][\w.-]{0,95}$/, 'must be a Hub repo id such as owner/name (letters, digits, "-", "_", ".")')
  .refine((s) => !s.includes('--') && !s.includes('..') && !s.endsWith('.git'), 'must not contain "--" or "..", nor end in .git')

/** Uploads need an owner. */
export const ownedRepoIdSchema = repoIdSchema.refine((s) => s.includes('/'), 'must name an owner: owner/name')

/** Branch, tag, refs/pr/N or a commit sha; it names a file under refs/, so no empty, "." or ".." segment. */
export const revisionSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\w.\-/]+$/, 'may contain only letters, digits, "_", "-", "." and "/"')
  .refine((s) => s.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'), 'must not contain empty, "." or ".." segments')

const ownerSchema = z.string().regex(/^[A-Za-z0-9][\w.-]{0,95}$/, 'must be a user or organisation name (letters, digits, "-", "_", ".")')
const tagSchema = z.string().min(1).max(200).regex(/^[\w.:+/-]+$/, 'must be a Hub tag (letters, digits and "_ . : + / -")')
const librarySchema = z.string().regex(/^[\w.-]{1,64}$/, 'must be a library tag such as safetensors or peft')

/** fnmatch patterns or exact file names (the UI escapes [, * and ?). */
const includeSchema = z
  .array(z.string().min(1).max(1024).regex(NO_CONTROL, 'must not contain control characters'))
  .min(1, 'name at least one file or pattern')
  .max(MAX_INCLUDE)

const reasonSchema = z.string().max(500)

/** The schemas of the hub.* methods and of the two Hub job kinds; `path` is schemas.ts's absolute-path schema. */
export function hubSchemas<P extends z.ZodType<string, unknown>>(path: P) {
  const empty = z.strictObject({})
  const candidate = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('folder'), path, reason: reasonSchema }),
    z.strictObject({ kind: z.literal('cache'), repo: repoIdSchema, path, revision: revisionSchema, fromRefsMain: z.boolean(), reason: reasonSchema }),
    z.strictObject({ kind: z.literal('download'), repo: repoIdSchema, guessed: z.boolean(), reason: reasonSchema }),
  ])
  const download = z.strictObject({ repo: repoIdSchema, revision: revisionSchema.optional(), include: includeSchema.optional(), allowPickles: z.boolean().optional() })
  const upload = z.strictObject({ dir: path, repo: ownedRepoIdSchema, create: z.boolean().optional(), private: z.boolean().optional() })
  const requestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
  return {
    jobs: [z.strictObject({ kind: z.literal('hub-download'), params: download }), z.strictObject({ kind: z.literal('hub-upload'), params: upload })] as const,
    methods: {
      'hub.status': z.strictObject({ check: z.boolean().optional() }),
      'hub.search': z.strictObject({
        text: z.string().max(200).regex(NO_CONTROL, 'must not contain control characters').optional(),
        author: ownerSchema.optional(),
        tags: z.array(tagSchema).max(20).optional(),
        library: librarySchema.optional(),
        sort: z.enum(['downloads', 'likes', 'lastModified', 'createdAt', 'trendingScore']).optional(),
        limit: z.number().int().min(1).max(MAX_PAGE).optional(),
        cursor: z.string().min(1).max(4096).regex(/^https?:\/\/\S+$/, 'must be the nextCursor of a previous search').optional(),
        requestId: requestIdSchema.optional(),
      }),
      'hub.info': z.strictObject({ repo: repoIdSchema, revision: revisionSchema.optional(), requestId: requestIdSchema.optional() }),
      // The message never echoes the value: this field is a secret.
      'hub.setToken': z.strictObject({
        token: z
          .string()
          .max(300, 'is too long to be a Hugging Face token')
          .transform((s) => s.trim())
          .refine((s) => HUB_TOKEN_RE.test(s), 'must be a Hugging Face access token (it starts with hf_)'),
      }),
      'hub.clearToken': empty,
      'hub.setOffline': z.strictObject({ offline: z.boolean() }),
      'hub.resolveBase': z.strictObject({ adapterDir: path }),
      'hub.rememberBase': z.strictObject({ name: z.string().min(1).max(4096).regex(NO_CONTROL, 'must not contain control characters'), choice: candidate.nullable() }),
      'hub.cancel': z.strictObject({ requestId: requestIdSchema }),
    },
  }
}
