import type { PublishChain } from '@sluice/contracts';
import type { CompiledFlow } from '../graph/compile-flow';
import { extractSearchKeys } from '../search/extract-search-keys';
import type { EngineClock } from './engine-clock';
import { completeRunIfDone, runLocalStep } from './run-progress';
import { type Transition, TransitionBuilder } from './transition';

/** What starts a run: one event through one flow version. */
export interface StartRunInput {
  runId: string;
  eventId: string;
  payload: unknown;
  source: 'rest' | 'topic' | 'publish';
  topic?: string;
  /** For runs started by a `publish` node: the publishing run and node. */
  parentRunId?: string;
  parentNodeId?: string;
  /** For runs started by a `publish` node: the published event's chain. Otherwise the run starts one: its event, depth 0. */
  chain?: PublishChain;
}

/**
 * Starts a run: RunStarted (seq 1), then the entry step and every inline step
 * it reaches run within this transition; dispatched steps become `dispatch`
 * commands. The payload is not schema-checked here (see `checkTriggerPayload`).
 * The flow's search keys are extracted from the payload here, so every way a
 * run starts indexes them; a key never fails the run.
 */
export async function startRun(flow: CompiledFlow, input: StartRunInput, clock: EngineClock): Promise<Transition> {
  const tx = new TransitionBuilder(input.runId, undefined);
  tx.append({
    type: 'RunStarted',
    at: clock.now().toISOString(),
    data: {
      flowId: flow.flowId,
      flowVersion: flow.version,
      eventId: input.eventId,
      payload: input.payload,
      source: input.source,
      ...(input.topic === undefined ? {} : { topic: input.topic }),
      ...(input.parentRunId === undefined ? {} : { parentRunId: input.parentRunId }),
      ...(input.parentNodeId === undefined ? {} : { parentNodeId: input.parentNodeId }),
      chain: input.chain ?? { originEventId: input.eventId, depth: 0 },
    },
  });
  const entryId = flow.entry.id;
  tx.append({ type: 'StepScheduled', nodeId: entryId, at: clock.now().toISOString(), data: { attempt: 1, maxAttempts: flow.retryPolicy(entryId).maxAttempts } });
  const ctx = { flow, clock, tx };
  await runLocalStep(ctx, entryId, 1);
  completeRunIfDone(ctx);
  const transition = tx.build();
  if (flow.searchKeys.length === 0) return transition;
  return { ...transition, searchKeys: await extractSearchKeys(flow.searchKeys, input.payload) };
}
