import type { RunState } from '@sluice/contracts';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { useLiveRuns } from '../api/useLiveRuns';
import { createRunStatusStore } from '../editor/store/createRunStatusStore';

/** Safety-net poll while a run is in play, in case the stream drops a notice, in ms. */
const POLL_MS = 5000;

function finished(run: RunState | null | undefined): boolean {
  return run?.status === 'succeeded' || run?.status === 'failed' || run?.status === 'ignored';
}

/**
 * One run's latest state, kept live: a run-status store pinned to the run
 * (`followLatest: false`) fed by `useLiveRuns` (docs/code-style.md), seeded and
 * safety-netted over REST. Mount it once per run id (key the component).
 */
export function useLiveRun(runId: string): { run: RunState | null; error: unknown } {
  const [store] = useState(() => createRunStatusStore({ followLatest: false }));
  useLiveRuns({ runId }, store);
  const run = useStore(store, (state) => state.run);
  const rest = useQuery({
    queryKey: queryKeys.run(runId),
    queryFn: () => api.getRun(runId),
    refetchInterval: (query) => (finished(query.state.data) ? false : POLL_MS),
  });
  useEffect(() => {
    if (rest.data) store.getState().offerRun(rest.data);
  }, [rest.data, store]);
  return { run, error: run ? null : rest.error };
}
