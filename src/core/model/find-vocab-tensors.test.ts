import { describe, expect, it } from 'vitest'
import { findEmbedCopies, findEmbedName, findHeadName, headNameFor } from './find-vocab-tensors'

const m = (entries: [string, number[]][]) => new Map(entries.map(([n, shape]) => [n, { shape }]))

describe('find-vocab-tensors', () => {
  it('the embedding: the shortest text tensor with an embedding leaf, never a vision or position table', () => {
    expect(findEmbedName(['vision_tower.vision_model.embeddings.patch_embedding.weight', 'language_model.model.embed_tokens.weight'])).toBe('language_model.model.embed_tokens.weight')
    expect(findEmbedName(['backbone.embeddings.weight', 'backbone.layers.0.mixer.in_proj.weight'])).toBe('backbone.embeddings.weight')
    expect(findEmbedName(['shared.weight', 'encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'])).toBe('shared.weight')
    expect(findEmbedName(['wte.weight', 'wpe.weight'])).toBe('wte.weight')
    expect(findEmbedName(['bert.embeddings.position_embeddings.weight', 'bert.embeddings.word_embeddings.weight', 'bert.embeddings.token_type_embeddings.weight'])).toBe('bert.embeddings.word_embeddings.weight')
    expect(findEmbedName(['vpm.embeddings.patch_embedding.weight', 'llm.model.embed_tokens.weight'])).toBe('llm.model.embed_tokens.weight')
  })

  it('the head: named like a head, as wide as the embedding, under a prefix that contains it; the nearest wins', () => {
    const t = m([
      ['language_model.model.tok_embeddings.weight', [10, 8]],
      ['language_model.output.weight', [10, 8]],
      ['language_model.model.layers.0.attention.output.weight', [10, 8]], // inside the model, not a head
      ['vision_model.output.weight', [10, 8]], // another tower
    ])
    expect(findHeadName(t, 'language_model.model.tok_embeddings.weight')).toBe('language_model.output.weight')
    expect(findHeadName(m([['transformer.embedding.word_embeddings.weight', [10, 8]], ['transformer.output_layer.weight', [10, 8]]]), 'transformer.embedding.word_embeddings.weight')).toBe('transformer.output_layer.weight')
    expect(findHeadName(m([['gpt_neox.embed_in.weight', [10, 8]], ['embed_out.weight', [10, 8]]]), 'gpt_neox.embed_in.weight')).toBe('embed_out.weight')
    expect(findHeadName(m([['model.embed_tokens.weight', [10, 8]], ['lm_head.weight', [10, 6]]]), 'model.embed_tokens.weight')).toBeNull() // other width
    expect(findHeadName(m([['model.embed_tokens.weight', [10, 8]]]), 'model.embed_tokens.weight')).toBeNull()
  })

  it('T5 copies and where a tied head is written', () => {
    expect(findEmbedCopies(m([['shared.weight', [10, 8]], ['encoder.embed_tokens.weight', [10, 8]], ['decoder.embed_tokens.weight', [10, 8]]]), 'shared.weight')).toEqual(['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'])
    expect(findEmbedCopies(m([['model.embed_tokens.weight', [10, 8]]]), 'model.embed_tokens.weight')).toEqual([])
    expect(headNameFor('language_model.model.embed_tokens.weight')).toBe('language_model.lm_head.weight')
    expect(headNameFor('model.language_model.embed_tokens.weight')).toBe('lm_head.weight')
    expect(headNameFor('llm.model.embed_tokens.weight')).toBe('llm.lm_head.weight')
    expect(headNameFor('transformer.wte.weight')).toBe('lm_head.weight')
    expect(headNameFor('model.tok_embeddings.weight', 'internlm2')).toBe('output.weight')
    expect(headNameFor('transformer.embedding.word_embeddings.weight', 'chatglm')).toBe('transformer.output_layer.weight')
  })
})
