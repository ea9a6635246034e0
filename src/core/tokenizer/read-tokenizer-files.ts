import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { GraftError } from '../errors'
import { readInputTextIfExists } from '../exec/read-input-file'
import {
  ADDED_TOKENS_JSON,
  parseTokenizerFiles,
  SLOW_VOCAB_FILES,
  SPECIAL_TOKENS_MAP,
  TOKENIZER_CONFIG,
  TOKENIZER_JSON,
  TOKENIZER_MODEL,
  type TokenizerFiles,
} from './parse-tokenizer-files'

export type { TokenizerFiles } from './parse-tokenizer-files'

const JSON_FILES = [TOKENIZER_JSON, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP, ADDED_TOKENS_JSON]

/**
 * Reads a tokenizer folder: tokenizer.json (required), tokenizer_config.json,
 * special_tokens_map.json and added_tokens.json when present, and notes tokenizer.model and
 * vocab.json/merges.txt. Detects the config style and model kind, computes `len(tokenizer)`, and
 * refuses ids that the tokenizers library would renumber (see parseTokenizerFiles).
 */
export async function readTokenizerFiles(opts: { dir: string }): Promise<TokenizerFiles> {
  const { dir } = opts
  const st = await stat(dir).catch(() => null)
  if (!st) throw new GraftError('NOT_FOUND', `${dir} does not exist.`, { file: dir, hint: 'Check the path and try again.' })
  if (!st.isDirectory()) throw new GraftError('TOKENIZER', `${dir} is not a folder.`, { file: dir, hint: 'Choose the folder that holds tokenizer.json.' })
  const texts: Record<string, string> = {}
  for (const name of JSON_FILES) {
    const text = await readInputTextIfExists(join(dir, name), { code: 'TOKENIZER', hint: `${name} must be a JSON file; move the folder, pipe or link of that name away.` })
    if (text !== undefined) texts[name] = text
  }
  const isFile = async (name: string): Promise<boolean> => (await stat(join(dir, name)).catch(() => null))?.isFile() ?? false
  const slowVocabFiles: string[] = []
  for (const name of SLOW_VOCAB_FILES) if (await isFile(name)) slowVocabFiles.push(name)
  return parseTokenizerFiles({ dir, texts, hasTokenizerModel: await isFile(TOKENIZER_MODEL), slowVocabFiles })
}
