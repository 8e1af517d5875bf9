import type { StepError, StepState, StepStatus } from '@sluice/contracts';
import type { DisplayStatus } from './statusToVariant';

/** The slice of a canvas node the projection needs. */
export interface StatusNode {
  id: string;
  type?: string | undefined;
}

/** What one node shows for the run on display. */
export interface NodeRunStatus {
  status: StepStatus;
  display: DisplayStatus;
  /** Attempts started in the current round. */
  attempts: number;
  maxAttempts?: number;
  /** The attempt that runs next while retrying. */
  pendingAttempt?: number;
  /** When the step's timer fires (ISO): the next attempt while retrying, or a delay's end. */
  dueAt?: string;
  error?: StepError;
  /** Duration of the last attempt, in ms. */
  durationMs?: number;
  /**
   * Handle the event left the node by: the step's `handle` once succeeded
   * (null = default), `error` when the failure was caught by the error edge;
   * undefined while it has not left.
   */
  exitHandle?: string | null;
}

/**
 * Projects a run's steps onto the canvas nodes: one entry per node that has a
 * step (nodes without a step are idle and get none). A succeeded `ignore`
 * displays as `ignored`. Steps for nodes not on the canvas (another version) are dropped.
 */
export function applyRunStatus(nodes: readonly StatusNode[], steps: readonly StepState[]): Record<string, NodeRunStatus> {
  const types = new Map(nodes.map((node) => [node.id, node.type]));
  const out: Record<string, NodeRunStatus> = {};
  for (const step of steps) {
    if (!types.has(step.nodeId)) continue;
    const ignored = step.status === 'succeeded' && types.get(step.nodeId) === 'ignore';
    const exitHandle = step.status === 'succeeded' ? (step.handle ?? null) : step.caught ? 'error' : undefined;
    out[step.nodeId] = {
      status: step.status,
      display: ignored ? 'ignored' : step.status,
      attempts: step.attempts,
      ...(step.maxAttempts === undefined ? {} : { maxAttempts: step.maxAttempts }),
      ...(step.pendingAttempt === undefined ? {} : { pendingAttempt: step.pendingAttempt }),
      ...(step.dueAt === undefined ? {} : { dueAt: step.dueAt }),
      ...(step.error === undefined ? {} : { error: step.error }),
      ...(step.durationMs === undefined ? {} : { durationMs: step.durationMs }),
      ...(exitHandle === undefined ? {} : { exitHandle }),
    };
  }
  return out;
}

/**
 * The live-overlay edge rule: an edge carried the event when its source step
 * left by the edge's handle (`handle` on success, `error` when caught) and its
 * target has a step that was not skipped. Deriving it from handles rather than
 * the target's `from` also lights every input of a merge, not only the first.
 */
export function isEdgeCarried(
  edge: { sourceHandle?: string | null | undefined },
  source: NodeRunStatus | undefined,
  target: NodeRunStatus | undefined,
): boolean {
  if (!source || !target || source.exitHandle === undefined) return false;
  if (target.status === 'skipped') return false;
  return (edge.sourceHandle ?? null) === source.exitHandle;
}

/** Reuses entries of `previous` that did not change, so per-node selectors keep their references. */
export function reuseUnchanged(
  previous: Record<string, NodeRunStatus>,
  next: Record<string, NodeRunStatus>,
): Record<string, NodeRunStatus> {
  const out: Record<string, NodeRunStatus> = {};
  for (const [id, entry] of Object.entries(next)) {
    const before = previous[id];
    out[id] = before && JSON.stringify(before) === JSON.stringify(entry) ? before : entry;
  }
  return out;
}
