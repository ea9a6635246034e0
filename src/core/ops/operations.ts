import type { Plan } from '../../shared/plan'
import type { TaskRunner } from '../exec/worker-task'
import { planMerge, type MergeRequest } from '../lora/plan-merge'
import { planConvert } from '../plan/plan-convert'
import { planResize, type ResizeRequest } from '../vocab/plan-resize'
import { planAddTokens, type AddTokensRequest } from '../vocab/plan-add-tokens'
import { planUntrainedFix, type UntrainedFixRequest } from '../vocab/plan-untrained-fix'
import { scanVocabRows } from '../vocab/scan-vocab-rows'
import { readModelInfo } from '../model/read-model-info'

export type ConvertRequest = Parameters<typeof planConvert>[0]
/** Untrained-row repair as asked for: the rows are found by a scan when it is planned. */
export type UntrainedRepairRequest = Omit<UntrainedFixRequest, 'embedRows' | 'headRows'>

/** Each output-writing operation and what asks for it (the engine's own request types). */
export interface OperationParams {
  merge: MergeRequest
  convert: ConvertRequest
  resize: ResizeRequest
  'tokens-add': AddTokensRequest
  'untrained-fix': UntrainedRepairRequest
}
export type OperationKind = keyof OperationParams
export type OperationRequest = { [K in OperationKind]: { kind: K; params: OperationParams[K] } }[OperationKind]

/** What a planner may use besides its request: the pool (row scans) and a cancel signal. */
export interface PlanDeps {
  runner: TaskRunner
  signal?: AbortSignal
}

export interface Operation<P> {
  /** One line for a job list. */
  title(params: P): string
  plan(params: P, deps: PlanDeps): Promise<Plan>
  /**
   * Planning parses tokenizer files with the Rust tokenizers library (seconds for a big
   * vocabulary): the app runs it on its tokenizer thread, never on the main process.
   */
  readsTokenizers?: boolean
}

/**
 * The operations registry: one entry per kind, mapping a request to its planner. Planning reads
 * configs, safetensors headers and (for some kinds) tokenizer files or a row scan in the pool;
 * it writes nothing. The app's job manager, the CLI, the benchmark and the golden-output script
 * all plan through here and then run the plan with runOperation.
 */
export const OPERATIONS: { [K in OperationKind]: Operation<OperationParams[K]> } = {
  merge: {
    title: (p) => `Merge ${p.adapters.length} adapter${p.adapters.length === 1 ? '' : 's'} into ${p.base} → ${p.out}`,
    plan: (p) => planMerge(p),
  },
  convert: {
    title: (p) => `Convert ${p.base} → ${p.out}`,
    plan: (p) => planConvert(p),
  },
  resize: {
    title: (p) => `Resize vocabulary → ${p.out}`,
    plan: (p) => planResize(p),
  },
  'tokens-add': {
    title: (p) => (p.tokens.length ? `Add ${p.tokens.length} token${p.tokens.length === 1 ? '' : 's'} to ${p.base} → ${p.out}` : `Set special-token roles → ${p.out}`),
    plan: async (p) => (await planAddTokens(p)).plan,
    readsTokenizers: true,
  },
  'untrained-fix': {
    title: (p) => `Repair untrained rows → ${p.out}`,
    async plan(p, { runner, signal }) {
      const info = await readModelInfo(p.base)
      const scan = await scanVocabRows({ info, runner, signal })
      return planUntrainedFix({ ...p, embedRows: scan.untrainedEmbed, headRows: scan.untrainedHead })
    },
  },
}

function entry<K extends OperationKind>(kind: K): Operation<OperationParams[K]> {
  return OPERATIONS[kind]
}

/** The plan of any operation request (nothing is written). */
export function planOperation(req: OperationRequest, deps: PlanDeps): Promise<Plan> {
  return entry(req.kind).plan(req.params as never, deps)
}

export function operationTitle(req: OperationRequest): string {
  return entry(req.kind).title(req.params as never)
}

export function readsTokenizers(req: OperationRequest): boolean {
  return entry(req.kind).readsTokenizers === true
}
