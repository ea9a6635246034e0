import type { MessagePort } from 'node:worker_threads'
import type { Encoding } from 'tokenizers'
import { computeMetrics } from '../core/compare/compute-metrics'
import { loadTokenizer, type LoadedTokenizer } from '../core/compare/load-tokenizer'
import { renderChat } from '../core/compare/render-chat'
import { tokenizeView } from '../core/compare/tokenize-view'
import { vocabDiff, vocabDiffCsv } from '../core/compare/vocab-diff'
import { CancelledError, encodeWorkerError, toErrorInfo } from '../core/errors'
import { previewTokens } from '../core/vocab/preview-tokens'
import { vocabTruthTable, type UntrainedRows } from '../core/vocab/vocab-truth-table'
import { planOperation, type OperationRequest } from '../core/ops/operations'
import { inProcessRunner } from '../core/exec/in-process-runner'
import type { Plan } from '../shared/plan'
import type { TokensPreview, TokensPreviewParams } from '../shared/api'
import type { VocabTruthTable } from '../shared/vocab'
import type {
  CompareChatEntry,
  CompareChatParams,
  CompareCorpusParams,
  CompareProgress,
  CompareTextParams,
  CompareTextResult,
  CompareVocabCsvParams,
  CompareVocabDiffParams,
  MetricsResult,
  VocabDiffResult,
} from '../shared/compare'

/**
 * The piscina entry of tokenizer comparison. Loading a tokenizer (tokenizer.json parsed by the
 * Rust library) is synchronous and takes seconds for large vocabularies, so it never runs on the
 * main process; loaded tokenizers stay cached on this thread (load-tokenizer.ts). Errors cross
 * the thread boundary as encoded ErrorInfo; cancelling a run terminates the thread (piscina).
 */
export type CompareTask =
  /** `cancel` (an Int32Array of one over shared memory) is set to 1 by the service when the request is superseded. */
  | ({ op: 'text'; cancel?: Int32Array } & CompareTextParams)
  /** `port` receives CompareProgress messages and is closed when the run ends. */
  | ({ op: 'corpus'; port?: MessagePort } & CompareCorpusParams)
  | ({ op: 'vocabDiff' } & CompareVocabDiffParams)
  | ({ op: 'vocabCsv' } & CompareVocabCsvParams)
  | ({ op: 'chat' } & CompareChatParams)
  /** Tokenizer work of the vocabulary screens, kept off the main process for the same reason. */
  | ({ op: 'tokensPreview' } & TokensPreviewParams)
  | { op: 'vocabTable'; path: string; scan?: UntrainedRows }
  /** Planning that parses tokenizers (add tokens), for the job manager; row scans are not needed by it. */
  | { op: 'planOperation'; request: OperationRequest }

export interface CompareTaskResults {
  text: CompareTextResult
  corpus: MetricsResult
  vocabDiff: VocabDiffResult
  vocabCsv: { csv: string }
  chat: CompareChatEntry[]
  tokensPreview: TokensPreview
  vocabTable: VocabTruthTable
  planOperation: Plan
}

async function loadAll(paths: string[], signal?: AbortSignal): Promise<LoadedTokenizer[]> {
  const out: LoadedTokenizer[] = []
  for (const path of paths) {
    if (signal?.aborted) throw new CancelledError()
    out.push(await loadTokenizer({ path }))
  }
  return out
}

/**
 * An AbortSignal whose `aborted` reads the shared flag: the main thread cancels a running text
 * request without terminating this thread (which would drop its loaded tokenizers).
 */
export function sharedFlagSignal(flag: Int32Array): AbortSignal {
  const signal = new AbortController().signal
  Object.defineProperty(signal, 'aborted', { get: () => Atomics.load(flag, 0) !== 0 })
  return signal
}

export async function text(p: CompareTextParams & { cancel?: Int32Array }): Promise<CompareTextResult> {
  const signal = p.cancel ? sharedFlagSignal(p.cancel) : undefined
  const tokenizers = await loadAll(p.tokenizers, signal)
  const t0 = performance.now()
  const encodings: { encoding: Encoding; ms: number }[] = []
  const view = await tokenizeView({ tokenizers, text: p.text, addSpecialTokens: p.addSpecialTokens, maxTokens: p.viewTokens, signal, encodings })
  const metrics = await computeMetrics({ tokenizers, text: p.text, addSpecialTokens: p.addSpecialTokens, signal, encoded: encodings })
  // "Tokenized in": the view's encoding and the metrics together (the metrics alone no longer encode).
  return { view, metrics: { ...metrics, wallMs: performance.now() - t0 } }
}

export async function corpus(p: CompareCorpusParams & { port?: MessagePort }): Promise<MetricsResult> {
  const { port } = p
  try {
    const tokenizers = await loadAll(p.tokenizers)
    return await computeMetrics({
      tokenizers,
      corpus: p.corpus,
      textField: p.textField,
      addSpecialTokens: p.addSpecialTokens,
      onProgress: port ? (progress: CompareProgress) => port.postMessage(progress) : undefined,
    })
  } finally {
    port?.close()
  }
}

export async function diff(p: CompareVocabDiffParams): Promise<VocabDiffResult> {
  return vocabDiff(p)
}

export async function csv(p: CompareVocabCsvParams): Promise<{ csv: string }> {
  return { csv: await vocabDiffCsv(p) }
}

/** Each tokenizer renders on its own: one without a chat template does not fail the others. */
export async function chat(p: CompareChatParams): Promise<CompareChatEntry[]> {
  const out: CompareChatEntry[] = []
  for (const path of p.tokenizers) {
    try {
      const tokenizer = await loadTokenizer({ path })
      out.push({ ok: true, result: await renderChat({ tokenizer, messages: p.messages.map((m) => ({ role: m.role, content: m.content })), addGenerationPrompt: p.addGenerationPrompt }) })
    } catch (e) {
      out.push({ ok: false, tokenizer: path.split(/[\\/]/).filter(Boolean).pop() ?? path, path, error: toErrorInfo(e) })
    }
  }
  return out
}

async function perform(task: CompareTask): Promise<unknown> {
  switch (task.op) {
    case 'text': {
      const { op: _op, ...p } = task
      return text(p)
    }
    case 'corpus': {
      const { op: _op, ...p } = task
      return corpus(p)
    }
    case 'vocabDiff': {
      const { op: _op, ...p } = task
      return diff(p)
    }
    case 'vocabCsv': {
      const { op: _op, ...p } = task
      return csv(p)
    }
    case 'chat': {
      const { op: _op, ...p } = task
      return chat(p)
    }
    case 'tokensPreview':
      return previewTokens({ dir: task.path, tokens: task.tokens, text: task.text, mode: task.mode })
    case 'vocabTable':
      return vocabTruthTable({ dir: task.path, scan: task.scan })
    case 'planOperation':
      return planOperation(task.request, { runner: inProcessRunner() })
    default:
      throw new Error(`Unknown compare operation ${JSON.stringify((task as { op?: unknown }).op)}.`)
  }
}

/** The task entry: `{op, ...params}` in, a JSON-safe result out; errors keep their code across threads. */
export default async function run(task: CompareTask): Promise<unknown> {
  try {
    return await perform(task)
  } catch (e) {
    // Custom error properties do not survive the thread boundary; the ErrorInfo travels in the message.
    throw new Error(encodeWorkerError(toErrorInfo(e)))
  }
}
