import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import { GraftError } from '../errors'
import type { TokenizedText, TokensPreview } from '../../shared/api'
import { addTokens, type NewAddedToken } from '../tokenizer/add-tokens'
import { extendVocab } from '../tokenizer/extend-vocab'
import { readTokenizerFiles } from '../tokenizer/read-tokenizer-files'
import type { TokenizerFiles } from '../tokenizer/parse-tokenizer-files'
import type { ViewToken } from '../../shared/compare'
import { loadTokenizer, tokenizerFromFiles } from '../compare/load-tokenizer'
import { viewOne } from '../compare/tokenize-view'
import { codePointToUtf16Table } from '../compare/text-units'

export type { TokenizedText, TokensPreview } from '../../shared/api'

export interface PreviewTokensOptions {
  dir: string
  tokens: NewAddedToken[]
  text: string
  /** 'added' (default): added tokens. 'vocab': real BPE pieces and merges (extendVocab). */
  mode?: 'added' | 'vocab'
}

/**
 * The live preview of "add tokens": the sample text tokenized by the folder's tokenizer before and
 * after the edit, with the real tokenizers library. Nothing is written.
 *
 * In mode 'vocab' the edit is the vocabulary extension (pieces and merges; the flags of `tokens`
 * do not apply). Tokens ordinary tokenization would still not produce are reported in
 * `vocab.tokens` (reachable: false) rather than refused, so the preview can say which they are;
 * the plan refuses them unless forced. A tokenizer that is not BPE is refused, as the plan does.
 */
export async function previewTokens(opts: PreviewTokensOptions): Promise<TokensPreview> {
  if (!existsSync(join(opts.dir, 'tokenizer.json')) && existsSync(join(opts.dir, 'tokenizer.model'))) {
    throw new GraftError('TOKENIZER', `${opts.dir} has only a SentencePiece tokenizer.model, so there is no live preview (it needs tokenizer.json and the tokenizers library).`, {
      file: join(opts.dir, 'tokenizer.model'),
      hint: opts.mode === 'vocab' ? 'Extending the vocabulary needs tokenizer.json; add the words as added tokens instead.' : 'Added tokens still work: Review plan adds them where slow tokenizers read them (added_tokens_decoder or added_tokens.json).',
    })
  }
  const files = await readTokenizerFiles({ dir: opts.dir })
  // Loaded through Compare's cache: the unedited tokenizer (and its piece table) is reused across previews.
  const loaded = await loadTokenizer({ path: opts.dir })
  const original = loaded.tokenizer
  const encode = async (tok: Tokenizer): Promise<TokenizedText> => {
    const enc = await tok.encode(opts.text, null, { addSpecialTokens: false })
    return { ids: enc.getIds(), tokens: enc.getTokens() }
  }
  const before = await encode(original)
  // The same per-token description the Compare screen renders (decoded text, byte pieces, flags).
  const cpTo16 = codePointToUtf16Table(opts.text)
  const view = async (f: TokenizerFiles, tok: Tokenizer): Promise<ViewToken[]> => (await viewOne(tokenizerFromFiles(f, { path: `${opts.dir}/tokenizer.json`, name: 'preview', tokenizer: tok }), opts.text, cpTo16, false)).entry.tokens
  const beforeView = (await viewOne(loaded, opts.text, cpTo16, false)).entry.tokens
  if (opts.mode === 'vocab') {
    const ext = await extendVocab({ files, tokens: opts.tokens.map((t) => t.content), force: true, tokenizer: original })
    const afterJson = ext.files.find((f) => f.path === 'tokenizer.json')?.content
    const afterTok = afterJson ? Tokenizer.fromString(afterJson) : original
    return {
      before,
      after: await encode(afterTok),
      view: { before: beforeView, after: afterJson ? await view(withJson(files, afterJson, ext.newSize, [], ext.newSize - ext.oldSize), afterTok) : beforeView },
      added: ext.newEntries.map((e) => ({ content: e.piece, id: e.id, special: false, role: e.role })),
      skipped: ext.skipped.map((s) => ({ content: s.content, reason: s.reason, ...(s.detail ? { detail: s.detail } : {}) })),
      warnings: previewWarnings(ext.warnings),
      oldSize: ext.oldSize,
      newSize: ext.newSize,
      vocab: {
        merges: ext.merges,
        tokens: ext.tokens.map((t) => ({ content: t.content, piece: t.piece, id: t.id, before: t.before, reachable: t.reachable, probe: t.probe, probeTokens: t.probeTokens })),
      },
    }
  }
  const edit = addTokens({ files, tokens: opts.tokens })
  const afterJson = edit.files.find((f) => f.path === 'tokenizer.json')?.content
  const afterTok = afterJson ? Tokenizer.fromString(afterJson) : original
  return {
    before,
    after: await encode(afterTok),
    view: { before: beforeView, after: afterJson ? await view(withJson(files, afterJson, edit.newSize, edit.added, 0), afterTok) : beforeView },
    added: edit.added.map((a) => ({ content: a.content, id: a.id, special: a.special })),
    skipped: edit.skipped.map((s) => ({ content: s.content, reason: s.reason })),
    warnings: edit.warnings,
    oldSize: edit.oldSize,
    newSize: edit.newSize,
  }
}

/**
 * extendVocab's warnings as the preview shows them: the "kept (force)" note goes (unreachable
 * tokens are listed on their own), and the tokenizer.model note says what the plan does with it
 * (planAddTokens appends the same pieces, or leaves the file out when it cannot).
 */
export function previewWarnings(warnings: string[]): string[] {
  const spm = (w: string) => w.startsWith('tokenizer.model was NOT updated')
  const out = warnings.filter((w) => !/^Kept \d+ token\(s\) that normal tokenization does not produce/.test(w) && !spm(w))
  if (warnings.some(spm))
    out.push('tokenizer.model (the slow SentencePiece tokenizer) gets the same pieces at the same ids, or is left out of the output when it cannot; the plan says which.')
  return out
}

/** The folder's files as they would be after an edit (for describing the edited tokenizer). */
function withJson(files: TokenizerFiles, text: string, size: number, added: TokenizerFiles['addedTokens'], newPieces: number): TokenizerFiles {
  return {
    ...files,
    tokenizerJson: { ...files.tokenizerJson, text },
    addedTokens: [...files.addedTokens, ...added],
    size,
    model: { ...files.model, vocabSize: files.model.vocabSize + newPieces },
  }
}
