/**
 * Finding the vocabulary tensors of a checkpoint by one rule rather than a list of full names:
 * the input embedding is the shortest text tensor whose last name parts are an embedding leaf;
 * the output head is a 2-D tensor named like a head (HEAD_LEAVES), as wide as the embedding, under
 * a prefix that contains the embedding (e.g. `language_model.output.weight` for
 * `language_model.model.tok_embeddings.weight`), the nearest one winning.
 */

/** Last name parts of input embeddings (Llama, GPT-2, BERT/BLOOM/ChatGLM, InternLM2, GPT-NeoX, Mamba/Nemotron-H, T5/BART). */
const EMBED_LEAVES = ['embed_tokens.weight', 'wte.weight', 'word_embeddings.weight', 'tok_embeddings.weight', 'embed_in.weight', 'embeddings.weight', 'shared.weight']
/** Last name parts of output heads (most models, InternLM2, ChatGLM/GLM-4, GPT-NeoX). */
const HEAD_LEAVES = ['lm_head.weight', 'output.weight', 'output_layer.weight', 'embed_out.weight']
/** Embeddings of other modalities and positions are never the token embedding (MiniCPM-V's vision model is `vpm`). */
const NOT_TOKEN_EMBEDDING = /vision|visual|image|audio|patch|position|(^|\.)vpm\./
/** The head leaf a family uses when a tied head must be written out (default lm_head.weight). */
const HEAD_LEAF_BY_TYPE: Record<string, string> = { internlm2: 'output.weight', gpt_neox: 'embed_out.weight', chatglm: 'output_layer.weight' }

/** Tensors of vision/audio towers and position tables: never indexed by token id. */
export function isNonTokenTensor(name: string): boolean {
  return NOT_TOKEN_EMBEDDING.test(name)
}

function leafOf(name: string, leaves: string[]): string | null {
  for (const l of leaves) if (name === l || name.endsWith('.' + l)) return l
  return null
}

export function findEmbedName(names: Iterable<string>): string | null {
  const cands = [...names].filter((n) => leafOf(n, EMBED_LEAVES) !== null && !NOT_TOKEN_EMBEDDING.test(n))
  cands.sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
  return cands[0] ?? null
}

/** The embedding's prefix: everything before its leaf (`language_model.model.` for `language_model.model.embed_tokens.weight`). */
function embedPrefix(embedName: string): string {
  const leaf = leafOf(embedName, EMBED_LEAVES) ?? ''
  return embedName.slice(0, embedName.length - leaf.length)
}

export function findHeadName(tensors: Map<string, { shape: number[] }>, embedName: string | null): string | null {
  const embed = embedName ? tensors.get(embedName) : undefined
  let best: { name: string; depth: number; rank: number } | null = null
  for (const [name, t] of tensors) {
    const leaf = leafOf(name, HEAD_LEAVES)
    if (!leaf || t.shape.length !== 2) continue
    const prefix = name.slice(0, name.length - leaf.length)
    if (embed && embedName) {
      if (t.shape[1] !== embed.shape[1] || !embedPrefix(embedName).startsWith(prefix)) continue
    } else if (prefix !== '' && prefix !== 'language_model.' && prefix !== 'model.') continue
    const cand = { name, depth: prefix.length, rank: HEAD_LEAVES.indexOf(leaf) }
    if (!best || cand.depth > best.depth || (cand.depth === best.depth && cand.rank < best.rank)) best = cand
  }
  return best?.name ?? null
}

/**
 * Tensors that transformers keeps as the same parameter as the embedding and saves under their own
 * names: T5/BART's `encoder.embed_tokens` and `decoder.embed_tokens` next to `shared`.
 */
export function findEmbedCopies(tensors: Map<string, { shape: number[] }>, embedName: string | null): string[] {
  if (!embedName || leafOf(embedName, EMBED_LEAVES) !== 'shared.weight') return []
  const p = embedPrefix(embedName)
  const shape = tensors.get(embedName)?.shape.join()
  return [`${p}encoder.embed_tokens.weight`, `${p}decoder.embed_tokens.weight`].filter((n) => tensors.get(n)?.shape.join() === shape)
}

/** Where the head goes when a tied model's head must be written, following the embedding's layout. */
export function headNameFor(embedName: string | null, modelType: string | null = null): string {
  const leaf = HEAD_LEAF_BY_TYPE[modelType ?? ''] ?? 'lm_head.weight'
  if (!embedName) return leaf
  const p = embedPrefix(embedName)
  if (p === 'model.language_model.') return leaf // transformers ≥ 4.52 VLM layout: lm_head at the top
  const outer = /^(.*\.)?(?:model|transformer|gpt_neox|backbone|embedding)\.$/.exec(p)
  return (outer?.[1] ?? '') + leaf
}
