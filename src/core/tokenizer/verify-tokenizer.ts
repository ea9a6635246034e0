import { Tokenizer } from 'tokenizers'

/** A token the edited tokenizer must produce as exactly one id. */
export interface TokenExpectation {
  content: string
  id: number
  /** The text to encode; default `content`. */
  probe?: string
  /**
   * `pipeline` (default): encode the probe with the full tokenizer. `model`: encode the probe with
   * the normalizer and pre-tokenizer removed, i.e. ask whether BPE alone builds the piece from its
   * characters (for word-internal SentencePiece pieces, which no standalone text can show).
   */
  via?: 'pipeline' | 'model'
}

export interface VerifyTokenizerOptions {
  /** The edited tokenizer.json text. */
  after: string
  /** The original tokenizer.json text (or an already loaded Tokenizer); needed for `samples`. */
  before?: string | Tokenizer
  expect?: TokenExpectation[]
  /** Texts that should encode as before (or differ only by using new tokens). */
  samples?: string[]
  /** Expected `len(tokenizer)` after the edit. */
  expectedSize?: number
}

export interface TokenCheck {
  content: string
  id: number
  probe: string
  via: 'pipeline' | 'model'
  ids: number[]
  tokens: string[]
  ok: boolean
}

/**
 * - `same`: identical ids;
 * - `uses-new-tokens`: different ids, some of them new (≥ the old size), and the same decoded text;
 * - `changed`: anything else: existing text now tokenizes differently without a new token's help.
 */
export type SampleStatus = 'same' | 'uses-new-tokens' | 'changed'

export interface SampleCheck {
  text: string
  status: SampleStatus
  before: number[]
  after: number[]
  afterTokens: string[]
  /** decode(encode(text)) === text after the edit. */
  roundTrip: boolean
  /** The same before the edit; a round trip that held before and fails after is a problem. */
  roundTripBefore: boolean
}

export interface VerifyTokenizerReport {
  ok: boolean
  loaded: boolean
  /** Why the edited file did not load. */
  error?: string
  /** `len(tokenizer)` of the edited tokenizer. */
  size: number | null
  tokens: TokenCheck[]
  samples: SampleCheck[]
  /** One line per failed check. */
  problems: string[]
}

const ENCODE = { addSpecialTokens: false } as const

/**
 * Loads an edited tokenizer.json with the real tokenizers library and checks it: it loads, its
 * size, every expected token encodes to exactly its single id, and sample texts encode as before
 * (or differ only by using new tokens).
 */
export async function verifyTokenizer(opts: VerifyTokenizerOptions): Promise<VerifyTokenizerReport> {
  const problems: string[] = []
  let after: Tokenizer
  try {
    after = Tokenizer.fromString(opts.after)
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e)
    return { ok: false, loaded: false, error, size: null, tokens: [], samples: [], problems: [`The edited tokenizer.json does not load: ${error}`] }
  }
  const size = after.getVocabSize(true)
  if (opts.expectedSize !== undefined && size !== opts.expectedSize) problems.push(`The edited tokenizer has ${size} tokens; expected ${opts.expectedSize}.`)

  const tokens: TokenCheck[] = []
  let modelOnly: Tokenizer | null = null
  for (const exp of opts.expect ?? []) {
    const via = exp.via ?? 'pipeline'
    const probe = exp.probe ?? exp.content
    if (via === 'model' && !modelOnly) modelOnly = modelOnlyTokenizer(opts.after)
    const enc = await (via === 'model' ? (modelOnly as Tokenizer) : after).encode(probe, null, ENCODE)
    const ids = enc.getIds()
    const ok = ids.length === 1 && ids[0] === exp.id
    if (!ok) problems.push(`${JSON.stringify(exp.content)} (id ${exp.id}) is not produced by normal tokenization: ${JSON.stringify(probe)} encodes to [${enc.getTokens().map((t) => JSON.stringify(t)).join(', ')}].`)
    tokens.push({ content: exp.content, id: exp.id, probe, via, ids, tokens: enc.getTokens(), ok })
  }

  const samples: SampleCheck[] = []
  if (opts.samples?.length) {
    if (opts.before === undefined) {
      problems.push('Sample texts need the original tokenizer.json to compare against.')
    } else {
      const before = typeof opts.before === 'string' ? Tokenizer.fromString(opts.before) : opts.before
      const oldSize = before.getVocabSize(true)
      for (const text of opts.samples) {
        const [b, a] = [await before.encode(text, null, ENCODE), await after.encode(text, null, ENCODE)]
        const bIds = b.getIds()
        const aIds = a.getIds()
        const [bText, aText] = [await before.decode(bIds, false), await after.decode(aIds, false)]
        let status: SampleStatus = 'same'
        if (bIds.length !== aIds.length || bIds.some((id, i) => id !== aIds[i])) {
          status = aIds.some((id) => id >= oldSize) && aText === bText ? 'uses-new-tokens' : 'changed'
        }
        const check: SampleCheck = { text, status, before: bIds, after: aIds, afterTokens: a.getTokens(), roundTrip: aText === text, roundTripBefore: bText === text }
        if (status === 'changed') problems.push(`${JSON.stringify(clip(text))} now tokenizes differently without using a new token.`)
        if (check.roundTripBefore && !check.roundTrip) problems.push(`${JSON.stringify(clip(text))} no longer decodes back to itself.`)
        samples.push(check)
      }
    }
  }
  return { ok: problems.length === 0, loaded: true, size, tokens, samples, problems }
}

/** Caps sample texts quoted in problems. */
const MAX_QUOTED_CHARS = 60

function clip(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? text.slice(0, MAX_QUOTED_CHARS) + '…' : text
}

/** The same tokenizer with no normalizer, pre-tokenizer or post-processor: the model alone. */
function modelOnlyTokenizer(json: string): Tokenizer {
  const obj = JSON.parse(json) as Record<string, unknown>
  obj.normalizer = null
  obj.pre_tokenizer = null
  obj.post_processor = null
  return Tokenizer.fromString(JSON.stringify(obj))
}
