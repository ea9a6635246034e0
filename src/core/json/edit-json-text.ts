import { GraftError } from '../errors'
import { detectJsonStyle, formatJsonText, isJsonObject, JsonSyntaxError, parseJsonText, withKey, type JsonObject, type JsonValue } from './json-text'

/**
 * Sets values in JSON text while keeping everything else byte for byte: number spellings (`1.0`
 * stays `1.0`; transformers' strict config classes reject `1` for a float field), key order and
 * indentation. A missing key is added where the file's key order puts it (sorted files stay sorted).
 */
export function editJsonText(text: string, edits: { path: string[]; value: unknown }[], file = 'JSON'): string {
  if (edits.length === 0) return text
  let root: JsonValue
  try {
    root = parseJsonText(text)
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new GraftError('BAD_CONFIG', `${file}: ${e.message}`, { file, hint: 'Fix the JSON syntax in that file.' })
    throw e
  }
  for (const e of edits) root = setPath(root, e.path, e.value as JsonValue, file)
  return formatJsonText(root, detectJsonStyle(text))
}

function setPath(node: JsonValue, path: string[], value: JsonValue, file: string): JsonObject {
  if (!isJsonObject(node)) throw new GraftError('BAD_CONFIG', `${file}: expected an object where "${path[0]}" belongs.`, { file })
  if (path.length === 1) return withKey(node, path[0], value)
  const child = node[path[0]]
  if (!isJsonObject(child)) throw new GraftError('BAD_CONFIG', `${file}: "${path[0]}" is not an object.`, { file })
  return withKey(node, path[0], setPath(child, path.slice(1), value, file))
}
