import type { FlowNode, NodeType, StepError } from '@sluice/contracts';
import type { EffectResult, HttpRequestSpec } from './http-exchange';
import type { PublishAdmission } from '../run/publish-chain';

/** What a step sees when it runs. */
export interface StepContext {
  runId: string;
  node: FlowNode;
  /** Output of the step that activated this one; the run payload for the entry step. */
  input: unknown;
  /** JSONata context: `{ event, steps, input }`. */
  scope: { event: unknown; steps: Record<string, unknown>; input: unknown };
}

/** How one attempt of a step ended. */
export type StepOutcome =
  | {
      kind: 'succeeded';
      output: unknown;
      /** Handle the step leaves through; null for the default handle. */
      handle: string | null;
      /** Set by `publish`: the event to fan out. */
      publish?: { topic: string; payload: unknown };
    }
  | {
      kind: 'failed';
      error: StepError;
      /** Server-requested wait before the next attempt (`Retry-After`), in ms. */
      retryAfterMs?: number;
    };

/** Result of building an http request: expression failures are values. */
export type RequestOutcome = { ok: true; request: HttpRequestSpec } | { ok: false; error: StepError };

/** How a node type executes. */
export type NodeBehaviour =
  | { kind: 'local'; run(ctx: StepContext): Promise<StepOutcome> }
  | {
      kind: 'http';
      request(ctx: StepContext): Promise<RequestOutcome>;
      /** Classifies the response or transport error. `now` resolves HTTP-date `Retry-After` values. */
      settle(effect: EffectResult, now: Date): StepOutcome;
    }
  | { kind: 'delay'; delayMs(node: FlowNode): number }
  | {
      kind: 'publish';
      /** The outcome, given the runtime's verdict on the chain depth and run budget. */
      run(ctx: StepContext, admission: PublishAdmission): StepOutcome;
    };

/** Everything the engine knows about one node type. */
export interface NodeDefinition {
  type: NodeType;
  /** True for node types that start a run (trigger, subscribe). */
  entry: boolean;
  /** True when the step runs inside the transition that reaches it instead of via a step message. */
  inline: boolean;
  /** Handles edges may leave from; null is the default handle, `error` marks a node that can fail. */
  outHandles: readonly (string | null)[];
  /** Required-field checks on untrusted `data`; each problem reads after `Node "id" (type) `. */
  validate(data: Record<string, unknown>): string[];
  behaviour: NodeBehaviour;
}

/** A step that outputs its input and leaves by the default handle. */
export async function passThrough(ctx: StepContext): Promise<StepOutcome> {
  return { kind: 'succeeded', output: ctx.input, handle: null };
}

/** StepError for an expression that failed to evaluate: final, never retried (docs/flow-model.md). */
export function expressionError(field: string, message: string): StepError {
  return { code: 'expression', message: `${field}: ${message}`, retryable: false };
}
