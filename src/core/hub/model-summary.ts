import type { ModelEntry } from '@huggingface/hub'
import type { HubModelSummary } from '../../shared/api'

/**
 * The summary fields of a model as @huggingface/hub returns it (listModels and modelInfo alike,
 * with the `tags` and `library_name` additional fields), made JSON-safe: ISO date, nulls for
 * what the Hub left out.
 */
export function toModelSummary(m: ModelEntry & { tags?: string[]; library_name?: string }): HubModelSummary {
  return {
    id: m.name,
    private: !!m.private,
    gated: m.gated ?? false,
    task: m.task ?? null,
    downloads: m.downloads ?? 0,
    likes: m.likes ?? 0,
    lastModified: Number.isFinite(m.updatedAt?.getTime()) ? m.updatedAt.toISOString() : null,
    tags: Array.isArray(m.tags) ? m.tags : [],
    libraryName: typeof m.library_name === 'string' ? m.library_name : null,
  }
}
