import type { PublishChain, RunState, StepError } from '@sluice/contracts';
import type { StepMessage } from './step-message';
import type { CompiledFlow } from '../graph/compile-flow';
import { publishEventId } from '../nodes/publish.node';
import { liveStep } from './step-liveness';
import { stepContext } from './step-scope';

/**
 * How far one originating event may travel through `publish` steps. A
 * publish past either limit fails its step without retries.
 */
export interface PublishLimits {
  /** Most publish hops from the originating event (`SLUICE_MAX_PUBLISH_DEPTH`). */
  maxDepth: number;
  /** Most runs that publish steps may start, all hops together, per originating event (`SLUICE_MAX_CHAIN_RUNS`). */
  maxChainRuns: number;
}

/** The defaults of `SLUICE_MAX_PUBLISH_DEPTH` and `SLUICE_MAX_CHAIN_RUNS`. */
export const DEFAULT_PUBLISH_LIMITS: PublishLimits = { maxDepth: 8, maxChainRuns: 1000 };

/**
 * The runtime's verdict on one publish step, decided in the commit that
 * records the step: `granted` when the chain may grow by the step's fan-out
 * (the runs it starts are already counted), else the error the step fails with.
 */
export type PublishAdmission = { kind: 'publish'; granted: true } | { kind: 'publish'; granted: false; error: StepError };

/** A live publish step about to run: what the runtime needs to admit it. */
export interface PublishIntent {
  runId: string;
  nodeId: string;
  topic: string;
  /** Id of the event this step would publish (`publishEventId`). */
  eventId: string;
  /** The event's payload: the step's input, as the step would publish it. */
  payload: unknown;
  /** The chain of the event this step would publish: the run's origin, one hop deeper than the run. */
  chain: PublishChain;
}

/** The run's chain. Runs recorded before chains existed start a chain of their own at depth 0. */
export function runChain(state: RunState): PublishChain {
  return state.chain ?? { originEventId: state.eventId, depth: 0 };
}

/** The chain of an event published by a step of a run in `chain`: one hop deeper. */
export function nextHop(chain: PublishChain): PublishChain {
  return { originEventId: chain.originEventId, depth: chain.depth + 1 };
}

/**
 * The publish a step message would perform, when the message is live and
 * names a `publish` node; undefined for any other message (stale ones included).
 */
export function publishIntent(flow: CompiledFlow, state: RunState, message: StepMessage): PublishIntent | undefined {
  const node = flow.node(message.nodeId);
  if (!node || node.type !== 'publish' || !liveStep(state, message)) return undefined;
  return {
    runId: state.id, nodeId: node.id, topic: String(node.data['topic']), eventId: publishEventId(state.id, node.id),
    payload: stepContext(flow, state, node.id).input, chain: nextHop(runChain(state)),
  };
}

/** The refusal of a publish that would pass `maxDepth` hops; undefined when the hop is allowed. */
export function refuseByDepth(intent: PublishIntent, limits: PublishLimits): PublishAdmission | undefined {
  if (intent.chain.depth <= limits.maxDepth) return undefined;
  const message =
    `Node "${intent.nodeId}" (publish) would make hop ${intent.chain.depth} of the publish chain of event ${intent.chain.originEventId}, ` +
    `past the limit of ${limits.maxDepth} hops (SLUICE_MAX_PUBLISH_DEPTH)`;
  return { kind: 'publish', granted: false, error: { code: 'publish_depth', message, retryable: false } };
}

/**
 * The refusal of a publish whose `runs` new runs would take the chain past
 * `maxChainRuns`, given the `used` runs publish steps already started for it.
 */
export function refuseByBudget(intent: PublishIntent, runs: number, used: number, limits: PublishLimits): PublishAdmission {
  const message =
    `Node "${intent.nodeId}" (publish) would start ${runs} more run${runs === 1 ? '' : 's'} for the publish chain of event ` +
    `${intent.chain.originEventId}, which publish steps already started ${used} of at most ${limits.maxChainRuns} (SLUICE_MAX_CHAIN_RUNS)`;
  return { kind: 'publish', granted: false, error: { code: 'publish_budget', message, retryable: false } };
}
