import type { HistoryEvent, RunChangedNotice, RunState, StepState } from '@sluice/contracts';
import { applyEvent } from '@sluice/engine/browser';
import { createStore } from 'zustand/vanilla';
import { applyRunStatus, type NodeRunStatus, reuseUnchanged, type StatusNode } from '../lib/applyRunStatus';

/** What to do with a stream notice the store could not fold by itself. */
export type IngestResult = 'applied' | 'ignored' | 'refetch';

export interface RunStatusState {
  /** The run shown on the canvas, or null before any run. */
  run: RunState | null;
  /** When true a newer run of the flow replaces the one shown (the editor); false pins `run` (run detail). */
  followLatest: boolean;
  /** Canvas nodes (id and type) the projection is made for. */
  nodes: readonly StatusNode[];
  /** Step status per node id: each canvas node selects only its own entry. */
  byNode: Record<string, NodeRunStatus>;
  /**
   * ISO time the steps shown describe when they are a past state (time
   * travel), else null: countdowns then show due times instead of counting
   * against the current time.
   */
  frozenAt: string | null;

  setNodes(nodes: readonly StatusNode[]): void;
  /** Offers a run fetched over REST; kept when it is the run shown (and not older) or, following, a newer run. */
  offerRun(run: RunState): void;
  /** Folds a `run.changed` notice; asks for a refetch when events are missing or the run is unknown. */
  ingest(notice: RunChangedNotice): IngestResult;
  /** Shows a run unconditionally (time travel shows older states). */
  showRun(run: RunState | null): void;
  /** Shows bare steps without a run (a read-only canvas fed by its page), as of `frozenAt` when they are a past state. */
  showSteps(steps: readonly StepState[], frozenAt?: string | null): void;
  clear(): void;
}

export type RunStatusStore = ReturnType<typeof createRunStatusStore>;

function fold(state: RunState | undefined, events: readonly HistoryEvent[]): RunState | undefined {
  let next = state;
  for (const event of events) next = applyEvent(next, event);
  return next;
}

/** Creates the run-status store of one canvas (docs/code-style.md, editor stores): the run on display, projected per node. */
export function createRunStatusStore(options: { followLatest: boolean; run?: RunState | null }) {
  return createStore<RunStatusState>()((set, get) => {
    const show = (run: RunState | null): void => {
      const { nodes, byNode } = get();
      set({ run, byNode: run ? reuseUnchanged(byNode, applyRunStatus(nodes, run.steps)) : {} });
    };
    const isNewer = (candidate: RunState): boolean => {
      const current = get().run;
      return !current || Date.parse(candidate.startedAt) >= Date.parse(current.startedAt);
    };

    return {
      run: options.run ?? null,
      followLatest: options.followLatest,
      nodes: [],
      byNode: {},
      frozenAt: null,

      setNodes(nodes) {
        const run = get().run;
        set({ nodes, byNode: run ? reuseUnchanged(get().byNode, applyRunStatus(nodes, run.steps)) : get().byNode });
      },

      offerRun(run) {
        const current = get().run;
        if (current && current.id === run.id) {
          if (run.lastSeq >= current.lastSeq) show(run);
          return;
        }
        if (!current || (get().followLatest && isNewer(run))) show(run);
      },

      ingest(notice) {
        const current = get().run;
        if (current && notice.runId === current.id) {
          const fresh = notice.events.filter((event) => event.seq > current.lastSeq);
          if (fresh.length === 0) return 'ignored';
          if (fresh[0]?.seq !== current.lastSeq + 1) return 'refetch';
          try {
            show(fold(current, fresh) ?? current);
            return 'applied';
          } catch {
            return 'refetch';
          }
        }
        if (current && !get().followLatest) return 'ignored';
        // A run we are not showing: start it from its first event when the notice has it, else fetch it.
        if (notice.events[0]?.seq !== 1) return 'refetch';
        try {
          const run = fold(undefined, notice.events);
          if (run && isNewer(run)) show(run);
          return 'applied';
        } catch {
          return 'refetch';
        }
      },

      showRun(run) {
        show(run);
      },

      showSteps(steps, frozenAt = null) {
        set({ byNode: reuseUnchanged(get().byNode, applyRunStatus(get().nodes, steps)), frozenAt });
      },

      clear() {
        show(null);
      },
    };
  });
}
