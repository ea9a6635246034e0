import { Tokenizer } from 'tokenizers'
import { GraftError } from '../errors'
import type { FileEdit } from './add-tokens'
import { bpeSegment, mergeKey, mergeRanks } from './bpe-merges'
import { formatJsonText, orderedKeys, withAppendedKeys, withItems, withKey, type JsonArray, type JsonObject, type JsonValue } from '../json/json-text'
import { TOKENIZER_JSON, TOKENIZER_MODEL, type TokenizerFiles } from './parse-tokenizer-files'
import { verifyTokenizer, type TokenExpectation, type VerifyTokenizerReport } from './verify-tokenizer'

export interface ExtendVocabOptions {
  files: TokenizerFiles
  /**
   * The new vocabulary, as text appears in documents. A leading space means "at the start of a
   * word" (" xylophone" becomes "Ġxylophone" in byte-level BPE and "▁xylophone" in SentencePiece
   * BPE); without it the piece is a word part or a word at the very start of a text.
   */
  tokens: string[]
  /** Keep tokens that normal tokenization would still not produce (default: refuse them). */
  force?: boolean
  /** Texts to re-encode with the edited tokenizer; see verifyTokenizer. */
  samples?: string[]
  /** The original tokenizer, already loaded (saves a load of tokenizer.json). */
  tokenizer?: Tokenizer
}

/** Why a new vocabulary entry exists. */
export type VocabEntryRole =
  /** one of the requested tokens */
  | 'requested'
  /** a partial piece the merge chain of a requested token needs */
  | 'intermediate'
  /** a character missing from a SentencePiece vocabulary (it used byte fallback before) */
  | 'character'

export interface NewVocabEntry {
  /** The vocabulary string (byte-level alphabet or "▁" convention). */
  piece: string
  id: number
  role: VocabEntryRole
}

export interface RequestedTokenReport {
  content: string
  piece: string
  id: number
  /** The piece was already in model.vocab, but normal tokenization did not produce it. */
  existing: boolean
  /** How BPE split the piece before the new merges (simulated; missing characters shown whole). */
  before: string[]
  /** Normal tokenization produces it as this single id (checked with the tokenizers library). */
  reachable: boolean
  probe: string
  via: 'pipeline' | 'model'
  /** What the probe encodes to after the edit. */
  probeTokens: string[]
}

export type ExtendSkipReason = 'empty' | 'repeated' | 'in-vocab' | 'added-token' | 'contains-added-token' | 'not-one-pretoken'

export interface ExtendVocabResult {
  /** The new tokenizer.json (only file that changes). */
  files: FileEdit[]
  tokens: RequestedTokenReport[]
  /** Every new id (new embedding row), in id order. */
  newEntries: NewVocabEntry[]
  /** Added tokens also written into model.vocab at their existing ids (no new rows). */
  mirrored: { content: string; id: number }[]
  /** Appended merges, in rank order. */
  merges: [string, string][]
  skipped: { content: string; reason: ExtendSkipReason; id?: number; detail?: string }[]
  oldSize: number
  /** `len(tokenizer)` after the edit: the embedding needs this many rows. */
  newSize: number
  verification: VerifyTokenizerReport
  warnings: string[]
}

/**
 * True vocabulary extension for BPE tokenizer.json files: appends each token (and the partial
 * pieces it needs) to model.vocab and appends merges that build it left to right from the pieces
 * the current tokenizer already produces, so ordinary tokenization emits it as one id.
 *
 * - Byte-level BPE (GPT-2, Llama-3, Qwen): the token must be one pre-token; it is stored in the
 *   byte-level alphabet.
 * - SentencePiece-style BPE (Llama-2, Mistral, Gemma; "▁" convention, byte_fallback): characters
 *   missing from the vocabulary are added first (they used byte fallback before).
 *
 * New merges go last (lowest priority), which keeps the tokenization of existing text except where
 * a new piece applies. Added tokens that live above the vocabulary (Qwen's, Llama-3's) are copied
 * into model.vocab at their ids so the ids stay dense (vocab-spec §4.1, "Case B"). Every requested
 * token is then checked with the real tokenizers library; tokens that normal tokenization still
 * would not produce are refused unless `force`. tokenizer.model is not edited (a warning says so).
 */
export async function extendVocab(opts: ExtendVocabOptions): Promise<ExtendVocabResult> {
  const { files } = opts
  const { model } = files
  const file = files.dir ? `${files.dir.replace(/\/+$/, '')}/${TOKENIZER_JSON}` : TOKENIZER_JSON
  if (model.kind === 'other') {
    throw new GraftError('TOKENIZER', `${file} is a ${model.type} tokenizer that is neither byte-level BPE nor SentencePiece-style BPE; Graft can only add real vocabulary to those.`, {
      file,
      hint: 'Add the tokens as added tokens instead (they are matched in the text before the tokenizer model runs).',
    })
  }
  const tj = files.tokenizerJson.data
  const m = tj.model as JsonObject
  const vocabObj = m.vocab as JsonObject
  const mergesArr = m.merges as JsonArray
  const original = opts.tokenizer ?? Tokenizer.fromString(files.tokenizerJson.text)

  const vocab = new Map<string, number>()
  for (const k of orderedKeys(vocabObj)) vocab.set(k, vocabObj[k] as number)
  const ranks = mergeRanks(mergesArr)
  let nextRank = mergesArr.length
  const oldSize = files.size
  let nextId = oldSize
  const added = new Map(files.addedTokens.map((t) => [t.content, t.id]))

  const newEntries: NewVocabEntry[] = []
  const newMerges: [string, string][] = []
  const skipped: ExtendVocabResult['skipped'] = []
  const planned: Omit<RequestedTokenReport, 'reachable' | 'probeTokens'>[] = []
  const warnings: string[] = []
  const addEntry = (piece: string, role: VocabEntryRole): number => {
    const id = nextId++
    vocab.set(piece, id)
    newEntries.push({ piece, id, role })
    return id
  }

  const ms = model.metaspace
  const seen = new Set<string>()
  for (const content of opts.tokens) {
    if (content === '') {
      skipped.push({ content, reason: 'empty' })
      continue
    }
    if (seen.has(content)) {
      skipped.push({ content, reason: 'repeated' })
      continue
    }
    seen.add(content)
    if (added.has(content)) {
      skipped.push({ content, reason: 'added-token', id: added.get(content) })
      continue
    }
    const inside = [...added.keys()].find((a) => content.includes(a))
    if (inside !== undefined) {
      skipped.push({ content, reason: 'contains-added-token', detail: `It contains the added token ${JSON.stringify(inside)}, which is split off before the model runs.` })
      continue
    }

    // The vocabulary string and the symbols BPE starts from.
    let piece: string
    let symbols: string[]
    if (model.kind === 'byte-level-bpe') {
      const normalized = original.getNormalizer()?.normalizeString(content) ?? content
      const pre = original.getPreTokenizer()?.preTokenizeString(normalized) ?? [[normalized, [0, normalized.length]] as [string, [number, number]]]
      if (pre.length !== 1) {
        skipped.push({
          content,
          reason: 'not-one-pretoken',
          detail: `The pre-tokenizer cuts it into ${pre.length} pieces (${pre.map((p) => JSON.stringify(p[0])).join(', ')}) and a vocabulary token cannot span pieces. Add it as an added token instead, or add the pieces separately.`,
        })
        continue
      }
      piece = pre[0][0]
      symbols = Array.from(piece)
      const missing = symbols.find((c) => !vocab.has(c))
      if (missing !== undefined) throw new GraftError('TOKENIZER', `${file}: the byte-level alphabet character ${JSON.stringify(missing)} is not in model.vocab.`, { file, hint: 'This tokenizer.json is not a complete byte-level BPE vocabulary.' })
    } else {
      const rep = ms?.replacement ?? '▁'
      piece = spmPiece(content, files, original)
      const splitter = original.getPreTokenizer()
      const pre = ms?.source === 'pre_tokenizer' || !splitter ? null : splitter.preTokenizeString(piece)
      if ((ms?.source === 'pre_tokenizer' && ms.split && piece.lastIndexOf(rep) > 0) || (pre && (pre.length !== 1 || pre[0][0] !== piece))) {
        skipped.push({ content, reason: 'not-one-pretoken', detail: `The pre-tokenizer splits it into words, so one vocabulary token cannot cover it. Add it as an added token instead.` })
        continue
      }
      symbols = Array.from(piece)
      for (const c of symbols) if (!vocab.has(c)) addEntry(c, 'character')
    }

    const before = bpeSegment(symbols, ranks)
    const existingId = vocab.get(piece)
    const reachable = before.length === 1 || (model.ignoreMerges && model.kind === 'byte-level-bpe')
    if (existingId !== undefined && existingId >= oldSize && reachable) {
      // Built earlier in this call (a partial piece or a character): now it is asked for itself.
      const entry = newEntries.find((e) => e.id === existingId) as NewVocabEntry
      entry.role = 'requested'
      const { probe, via } = probeFor(content, piece, files)
      planned.push({ content, piece, id: existingId, existing: false, before, probe, via })
      continue
    }
    if (existingId !== undefined && reachable) {
      skipped.push({ content, reason: 'in-vocab', id: existingId })
      continue
    }
    // Left fold: (p1 p2) p3 … — each step a new merge, each partial piece a vocabulary entry.
    let cur = before[0]
    for (let i = 1; i < before.length; i++) {
      const next = before[i]
      const k = mergeKey(cur, next)
      if (!ranks.has(k)) {
        ranks.set(k, nextRank++)
        newMerges.push([cur, next])
      }
      cur = cur + next
      if (!vocab.has(cur)) addEntry(cur, i === before.length - 1 ? 'requested' : 'intermediate')
    }
    const { probe, via } = probeFor(content, piece, files)
    planned.push({ content, piece, id: vocab.get(piece) as number, existing: existingId !== undefined, before, probe, via })
  }

  // Added tokens above the vocabulary must be in model.vocab before any new id follows them.
  const mirrored: [string, JsonValue][] = []
  if (newEntries.length > 0) {
    for (const t of files.addedTokens) {
      if (!vocab.has(t.content) && t.id >= model.vocabSize) {
        mirrored.push([t.content, t.id])
      }
    }
  }
  if (mirrored.length) {
    warnings.push(`${mirrored.length} added token(s) (ids ${mirrored[0][1]}–${mirrored[mirrored.length - 1][1]}) were also written into model.vocab at their own ids, so the new ids can follow them; the tokenizers library requires model.vocab ids to be dense.`)
  }

  const newSize = nextId
  let text = files.tokenizerJson.text
  const fileEdits: FileEdit[] = []
  if (newEntries.length > 0 || newMerges.length > 0) {
    if (model.mergesFormat === 'strings') {
      const bad = newMerges.find(([a, b]) => a.includes(' ') || b.includes(' '))
      if (bad) throw new GraftError('TOKENIZER', `The merge ${JSON.stringify(bad)} contains a space, which the "a b" merges format of ${file} cannot express.`, { file })
    }
    const entries: [string, JsonValue][] = [...mirrored, ...newEntries.map((e): [string, JsonValue] => [e.piece, e.id])]
    const mergesOut = newMerges.map((pair): JsonValue => (model.mergesFormat === 'strings' ? `${pair[0]} ${pair[1]}` : [pair[0], pair[1]]))
    let newModel = withKey(m, 'vocab', withAppendedKeys(vocabObj, entries))
    newModel = withKey(newModel, 'merges', withItems(mergesArr, mergesOut))
    text = formatJsonText(withKey(tj, 'model', newModel), files.tokenizerJson.style)
    fileEdits.push({ path: TOKENIZER_JSON, content: text })
  }

  const expect: TokenExpectation[] = planned.map((p) => ({ content: p.content, id: p.id, probe: p.probe, via: p.via }))
  const verification = await verifyTokenizer({ after: text, before: original, expect, samples: opts.samples, expectedSize: newSize })
  if (!verification.loaded) {
    throw new GraftError('INTERNAL', `The extended tokenizer.json does not load: ${verification.error}`, { file, hint: 'This is a bug in Graft; please report it with the tokenizer and the tokens you added.' })
  }
  const tokens: RequestedTokenReport[] = planned.map((p, i) => {
    const check = verification.tokens[i]
    return { ...p, reachable: check.ok, probeTokens: check.tokens }
  })
  const dead = tokens.filter((t) => !t.reachable)
  if (dead.length && !opts.force) {
    const list = dead.map((t) => `${JSON.stringify(t.content)} (${JSON.stringify(t.probe)} → [${t.probeTokens.map((x) => JSON.stringify(x)).join(', ')}])`).join('; ')
    throw new GraftError('TOKENIZER', `Normal tokenization would still not produce ${dead.length === 1 ? 'this token' : 'these tokens'} as one id, so ${dead.length === 1 ? 'its row' : 'their rows'} would never be used: ${list}.`, {
      file,
      hint: 'Remove them, add them as added tokens instead, or keep them anyway with force (--force on the command line; “Allow unreachable pieces” in the app), knowing their rows stay unused.',
    })
  }
  if (dead.length) warnings.push(`Kept ${dead.length} token(s) that normal tokenization does not produce (force): ${dead.map((t) => JSON.stringify(t.content)).join(', ')}.`)

  if (typeof m.dropout === 'number' && m.dropout > 0) warnings.push(`This tokenizer uses BPE dropout (${m.dropout}), so tokenization is random and the reachability checks may not hold from run to run.`)
  const chars = newEntries.filter((e) => e.role === 'character')
  if (chars.length) warnings.push(`${chars.length} character(s) were not in the vocabulary and were added as pieces (${chars.slice(0, 10).map((e) => JSON.stringify(e.piece)).join(', ')}${chars.length > 10 ? ', …' : ''}); text with them now uses these ids instead of byte-fallback tokens.`)
  const inter = newEntries.filter((e) => e.role === 'intermediate')
  if (inter.length) warnings.push(`${inter.length} partial piece(s) were added so the merges can build the requested tokens (${inter.slice(0, 10).map((e) => JSON.stringify(e.piece)).join(', ')}${inter.length > 10 ? ', …' : ''}); they get embedding rows too.`)
  if (newEntries.length > 0 && files.hasTokenizerModel) {
    warnings.push(`${TOKENIZER_MODEL} was NOT updated: a slow (SentencePiece, use_fast=False) tokenizer would not know the new pieces and would disagree with tokenizer.json. Delete ${TOKENIZER_MODEL} from the output or load the tokenizer with use_fast=True only.`)
  }
  if (newEntries.length > 0 && files.slowVocabFiles.length) {
    warnings.push(`${files.slowVocabFiles.join(' and ')} ${files.slowVocabFiles.length > 1 ? 'were' : 'was'} NOT updated: a slow tokenizer would not know the new pieces. Delete ${files.slowVocabFiles.length > 1 ? 'them' : 'it'} from the output or use the fast tokenizer only.`)
  }
  return {
    files: fileEdits,
    tokens,
    newEntries,
    mirrored: mirrored.map(([content, id]) => ({ content, id: id as number })),
    merges: newMerges,
    skipped,
    oldSize,
    newSize,
    verification,
    warnings,
  }
}

/**
 * The SentencePiece-style vocabulary string of a text: normalized as the tokenizer does it, with
 * spaces as "▁", without the "▁" the tokenizer puts before the whole text.
 */
function spmPiece(content: string, files: TokenizerFiles, tok: Tokenizer): string {
  const ms = files.model.metaspace
  const rep = ms?.replacement ?? '▁'
  const normalizer = tok.getNormalizer()
  let piece = normalizer ? normalizer.normalizeString(content) : content
  if (ms?.source === 'normalizer' && ms.prependScheme !== 'never' && piece.startsWith(rep) && piece.length > 0) piece = piece.slice(rep.length)
  return piece.split(' ').join(rep)
}

/** The text whose normal tokenization should be exactly the new token. */
function probeFor(content: string, piece: string, files: TokenizerFiles): { probe: string; via: 'pipeline' | 'model' } {
  const ms = files.model.metaspace
  if (files.model.kind === 'byte-level-bpe' || !ms) return { probe: content, via: 'pipeline' }
  if (ms.prependScheme === 'never') return { probe: content, via: 'pipeline' }
  // The tokenizer puts "▁" before the text itself, so " word" is probed as "word".
  if (piece.startsWith(ms.replacement)) return { probe: content.slice(1), via: 'pipeline' }
  return { probe: piece, via: 'model' }
}
