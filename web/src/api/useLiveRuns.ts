import type { RunChangedNotice } from '@sluice/contracts';
import { useEffect } from 'react';
import type { RunStatusStore } from '../editor/store/createRunStatusStore';
import { api, openLiveStream } from './client';

export type LiveRunsTarget = { flowId: string } | { runId: string };

/**
 * The one way live run events enter the app (docs/code-style.md, the diagram is a projection). Reads `/api/stream`
 * over `fetch` with the tab's key (SSE; see `openLiveStream`) for a flow
 * (follow its latest run) or one run, loads the current state over REST on
 * every (re)connection, and feeds both into the run-status store. Gaps in
 * `seq` trigger a refetch. The stream closes on unmount.
 */
export function useLiveRuns(target: LiveRunsTarget | null, store: RunStatusStore): void {
  const key = target === null ? '' : 'flowId' in target ? `flow:${target.flowId}` : `run:${target.runId}`;

  useEffect(() => {
    if (target === null) return undefined;
    let closed = false;
    const inFlight = new Set<string>();

    const fetchRun = (runId: string): void => {
      if (inFlight.has(runId)) return;
      inFlight.add(runId);
      api
        .getRun(runId)
        .then((run) => {
          if (!closed) store.getState().offerRun(run);
        })
        .catch(() => undefined)
        .finally(() => inFlight.delete(runId));
    };

    const load = (): void => {
      if ('runId' in target) return fetchRun(target.runId);
      api
        .listRuns({ flowId: target.flowId, limit: 1 })
        .then((page) => {
          const latest = page.items[0];
          if (!closed && latest) store.getState().offerRun(latest);
        })
        .catch(() => undefined);
      const shown = store.getState().run;
      if (shown) fetchRun(shown.id);
    };

    // The first open and every reconnection: catch up on whatever the stream missed.
    const close = openLiveStream(target, {
      onOpen: load,
      onMessage: (message) => {
        if (message.event !== 'run.changed') return;
        let notice: RunChangedNotice;
        try {
          notice = JSON.parse(message.data) as RunChangedNotice;
        } catch {
          return;
        }
        if (store.getState().ingest(notice) === 'refetch') fetchRun(notice.runId);
      },
    });

    return () => {
      closed = true;
      close();
    };
    // `key` stands for `target`, so a new object with the same ids does not reopen the stream.
  }, [key, store]);
}

/** After triggering a run: make sure it is shown even if its first notice was missed. */
export function showRunWhenReady(store: RunStatusStore, runId: string): void {
  void api
    .getRun(runId)
    .then((run) => store.getState().offerRun(run))
    .catch(() => undefined);
}
