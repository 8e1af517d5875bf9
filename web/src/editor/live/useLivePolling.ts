import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { api } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import type { LiveStore } from './store/createLiveStore';

/** How often the live figures are asked for while the view is on, in ms: the API reads the store at most once a second per flow (docs/live-topology.md). */
export const LIVE_POLL_MS = 1000;

/**
 * Polls `GET /api/flows/:id/live` every {@link LIVE_POLL_MS} while the
 * store's view is on, and feeds each answer to the store. Polling stops when
 * the view is turned off, the editor unmounts or the tab is hidden. Returns
 * the last failed poll, if any.
 */
export function useLivePolling(store: LiveStore, flowId: string): { error: unknown } {
  const on = useStore(store, (state) => state.on);
  const onSince = useStore(store, (state) => state.onSince);
  const query = useQuery({
    queryKey: queryKeys.live(flowId),
    queryFn: () => api.flowLive(flowId),
    enabled: on,
    refetchInterval: on ? LIVE_POLL_MS : false,
    refetchOnWindowFocus: false,
    gcTime: 0,
    retry: 1,
  });
  useEffect(() => {
    if (on && query.data && onSince !== null && query.dataUpdatedAt >= onSince) store.getState().received(query.data);
  }, [on, onSince, query.data, query.dataUpdatedAt, store]);
  return { error: on ? query.error : null };
}
