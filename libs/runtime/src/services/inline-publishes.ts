import { publishIntent, settleStep, type Command, type CompiledFlow, type EngineClock, type StepMessage, type Transition } from '@sluice/engine';
import { publishKey } from './publish-admission';
import type { PublishGate, RunChange } from './run-committer';

type Dispatch = Extract<Command, { kind: 'dispatch' }>;

/** Whether `command` sends a `publish` step to a worker. */
function isPublishDispatch(flow: CompiledFlow, command: Command): command is Dispatch {
  return command.kind === 'dispatch' && flow.node(command.nodeId) !== undefined && flow.definition(command.nodeId).behaviour.kind === 'publish';
}

/** Whether any transition of the change dispatches a `publish` step. */
export function dispatchesPublish(change: RunChange): boolean {
  return change.transitions.some((transition) => transition.commands.some((command) => isPublishDispatch(change.flow, command)));
}

/**
 * Settles, inside the transaction that reaches them, the publish steps the
 * changes dispatch, instead of sending each through the broker to a worker.
 * A publish step's only effect is rows in that same transaction (its
 * subscribers' runs and the event's outbox row), so it needs no worker:
 * it is admitted through `gate` (chain depth and run budget, as a worker
 * would) and settled on the run's latest state, and whatever it reaches
 * inline follows, other publish steps included, until no change dispatches
 * one. The runs the publishes start are not in `changes`: their own publish
 * steps go through the broker, so one commit settles at most one hop of a
 * publish chain.
 *
 * Pure over its input: the changes are copied, never mutated, so a
 * transaction tried again starts from the same changes.
 */
export async function settlePublishesInline(changes: readonly RunChange[], gate: PublishGate, clock: EngineClock): Promise<RunChange[]> {
  const settled = changes.map((change) => ({ ...change, transitions: [...change.transitions] }));
  // Each round settles at least one live step, and a step settles once per dispatch.
  const maxRounds = settled.reduce((sum, change) => sum + change.flow.graph.nodes.length, 0);
  for (let round = 0; ; round++) {
    const due: { change: RunChange; message: StepMessage }[] = [];
    for (const change of settled) {
      change.transitions = change.transitions.map((transition) => withoutPublishDispatches(change, transition, due));
    }
    if (due.length === 0) return settled;
    if (round >= maxRounds) throw new Error(`publish steps still dispatched after ${round} rounds of inline settling`);
    const admissions = await gate.admit(due.flatMap(({ change, message }) => publishIntent(change.flow, stateOf(change), message) ?? []));
    for (const { change, message } of due) {
      const transition = await settleStep(change.flow, stateOf(change), message, admissions.get(publishKey(message.runId, message.nodeId)), clock);
      if (transition.events.length > 0 || transition.commands.length > 0) change.transitions.push(transition);
    }
  }
}

/** The transition without its publish dispatches, which are added to `due` as step messages. */
function withoutPublishDispatches(change: RunChange, transition: Transition, due: { change: RunChange; message: StepMessage }[]): Transition {
  const commands = transition.commands.filter((command) => {
    if (!isPublishDispatch(change.flow, command)) return true;
    due.push({ change, message: { kind: 'step', runId: transition.state.id, nodeId: command.nodeId, attempt: command.attempt } });
    return false;
  });
  return commands.length === transition.commands.length ? transition : { ...transition, commands };
}

function stateOf(change: RunChange): Transition['state'] {
  const last = change.transitions[change.transitions.length - 1];
  if (!last) throw new Error('a run change needs at least one transition');
  return last.state;
}
