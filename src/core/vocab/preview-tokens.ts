import { Tokenizer } from 'tokenizers'
import type { TokenizedText, TokensPreview } from '../../shared/api'
import { addTokens, type NewAddedToken } from '../tokenizer/add-tokens'
import { readTokenizerFiles } from '../tokenizer/read-tokenizer-files'

export type { TokenizedText, TokensPreview } from '../../shared/api'

/**
 * The live preview of "add tokens": the sample text tokenized by the folder's tokenizer before and
 * after the edit, with the real tokenizers library. Nothing is written.
 */
export async function previewTokens(opts: { dir: string; tokens: NewAddedToken[]; text: string }): Promise<TokensPreview> {
  const files = await readTokenizerFiles({ dir: opts.dir })
  const edit = addTokens({ files, tokens: opts.tokens })
  const afterJson = edit.files.find((f) => f.path === 'tokenizer.json')?.content ?? files.tokenizerJson.text
  const encode = async (json: string): Promise<TokenizedText> => {
    const enc = await Tokenizer.fromString(json).encode(opts.text, null, { addSpecialTokens: false })
    return { ids: enc.getIds(), tokens: enc.getTokens() }
  }
  return {
    before: await encode(files.tokenizerJson.text),
    after: await encode(afterJson),
    added: edit.added.map((a) => ({ content: a.content, id: a.id, special: a.special })),
    skipped: edit.skipped.map((s) => ({ content: s.content, reason: s.reason })),
    warnings: edit.warnings,
    oldSize: edit.oldSize,
    newSize: edit.newSize,
  }
}
