import { z } from 'zod'
import {
  MAX_COMPARE_CHAT_CONTENT_CHARS,
  MAX_COMPARE_CHAT_MESSAGES,
  MAX_COMPARE_TEXT_BYTES,
  MAX_COMPARE_TOKENIZERS,
  MIN_COMPARE_TOKENIZERS,
} from '../../shared/compare'
import { MAX_VIEW_TOKENS } from '../../core/compare/tokenize-view'

/** Largest page of the only-in lists and the remap table (vocab-diff.ts MAX_LIST_LIMIT). */
const MAX_LIST_LIMIT = 10_000
/** Offsets beyond any vocabulary (10x today's largest). */
const MAX_OFFSET = 10_000_000
const MAX_SEARCH_CHARS = 200
const MAX_ROLE_CHARS = 64
const MAX_FIELD_CHARS = 128
const MAX_LABEL_CHARS = 200
/** A compare.text session key is an id the screen makes up, not text. */
const MAX_SESSION_CHARS = 100

const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/

/** The schemas of the compare.* methods and of the compare-corpus job; `path` is schemas.ts's absolute-path schema. */
export function compareSchemas<P extends z.ZodType<string, unknown>>(path: P) {
  const tokenizers = z
    .array(path)
    .min(MIN_COMPARE_TOKENIZERS, `choose ${MIN_COMPARE_TOKENIZERS} to ${MAX_COMPARE_TOKENIZERS} tokenizers`)
    .max(MAX_COMPARE_TOKENIZERS, `choose ${MIN_COMPARE_TOKENIZERS} to ${MAX_COMPARE_TOKENIZERS} tokenizers`)
  const normalization = z.enum(['readable', 'raw'])
  const sort = z.enum(['id', 'text'])
  const search = z.string().max(MAX_SEARCH_CHARS, `must be at most ${MAX_SEARCH_CHARS} characters`)
  const corpus = z
    .strictObject({
      tokenizers,
      corpus: path,
      textField: z.string().min(1).max(MAX_FIELD_CHARS).regex(NO_CONTROL, 'must not contain control characters').optional(),
      addSpecialTokens: z.boolean().optional(),
      labels: z.array(z.string().min(1).max(MAX_LABEL_CHARS).regex(NO_CONTROL, 'must not contain control characters')).max(MAX_COMPARE_TOKENIZERS).optional(),
    })
    .refine((p) => p.labels === undefined || p.labels.length === p.tokenizers.length, { message: 'must name each tokenizer once', path: ['labels'] })
  return {
    jobs: [z.strictObject({ kind: z.literal('compare-corpus'), params: corpus })] as const,
    methods: {
      'compare.text': z.strictObject({
        tokenizers,
        text: z.string().refine((s) => Buffer.byteLength(s, 'utf8') <= MAX_COMPARE_TEXT_BYTES, `must be at most ${MAX_COMPARE_TEXT_BYTES / 1e6} MB (UTF-8); compare longer texts as a corpus`),
        addSpecialTokens: z.boolean().optional(),
        viewTokens: z.number().int().min(0).max(MAX_VIEW_TOKENS).optional(),
        session: z.string().min(1).max(MAX_SESSION_CHARS).regex(NO_CONTROL, 'must not contain control characters').optional(),
      }),
      'compare.vocabDiff': z.strictObject({
        a: path,
        b: path,
        normalization: normalization.optional(),
        search: search.optional(),
        sort: sort.optional(),
        offset: z.number().int().nonnegative().max(MAX_OFFSET).optional(),
        limit: z.number().int().nonnegative().max(MAX_LIST_LIMIT).optional(),
        remapOffset: z.number().int().nonnegative().max(MAX_OFFSET).optional(),
        remapLimit: z.number().int().nonnegative().max(MAX_LIST_LIMIT).optional(),
      }),
      'compare.vocabCsv': z.strictObject({ a: path, b: path, list: z.enum(['only-a', 'only-b', 'shared']), normalization: normalization.optional(), search: search.optional(), sort: sort.optional() }),
      'compare.chat': z.strictObject({
        tokenizers,
        messages: z
          .array(
            z.strictObject({
              role: z.string().min(1, 'must not be empty').max(MAX_ROLE_CHARS).regex(NO_CONTROL, 'must not contain control characters'),
              content: z.string().max(MAX_COMPARE_CHAT_CONTENT_CHARS, `must be at most ${MAX_COMPARE_CHAT_CONTENT_CHARS} characters`),
            }),
          )
          .min(1, 'a conversation needs at least one message')
          .max(MAX_COMPARE_CHAT_MESSAGES, `at most ${MAX_COMPARE_CHAT_MESSAGES} messages`),
        addGenerationPrompt: z.boolean().optional(),
      }),
    },
  }
}
