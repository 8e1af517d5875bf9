import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { bottleneckStats } from './lib/bottleneckStats';
import type { EditorStore } from './store/createEditorStore';

/** How often the bottleneck figures refresh while shown, in ms. */
const REFRESH_MS = 5000;

/** Loads the last `window` runs of the flow while the view is on and puts their per-node figures in the store. */
export function useBottleneck(store: EditorStore, flowId: string, enabled: boolean, window: number): { loading: boolean; runs: number } {
  const query = useQuery({
    queryKey: queryKeys.runs(flowId, window),
    queryFn: () => api.listRuns({ flowId, limit: window }),
    enabled,
    refetchInterval: enabled ? REFRESH_MS : false,
  });
  useEffect(() => {
    if (!enabled) return store.getState().setBottleneck(null);
    if (query.data) store.getState().setBottleneck(bottleneckStats(query.data.items));
  }, [enabled, query.data, store]);
  useEffect(() => () => store.getState().setBottleneck(null), [store]);
  return { loading: enabled && query.isLoading, runs: query.data?.items.length ?? 0 };
}
