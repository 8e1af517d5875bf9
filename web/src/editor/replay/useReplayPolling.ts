import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { api } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import type { ReplayStore } from './store/createReplayStore';

/** How often a running replay is asked for its progress, in ms. */
export const REPLAY_POLL_MS = 500;

/**
 * Follows the replay the store names: `GET /api/replays/:id` every
 * {@link REPLAY_POLL_MS} while it runs, once it has ended, and feeds each
 * answer to the store. Mounted by the editor, so a replay keeps being
 * followed while its panel is closed. Returns the last failed poll, if any.
 */
export function useReplayPolling(store: ReplayStore): { error: unknown } {
  const replayId = useStore(store, (state) => state.replay?.id ?? null);
  const query = useQuery({
    queryKey: queryKeys.replay(replayId ?? ''),
    queryFn: () => api.getReplay(replayId ?? ''),
    enabled: replayId !== null,
    refetchInterval: (current) => (current.state.data?.status === 'succeeded' || current.state.data?.status === 'failed' ? false : REPLAY_POLL_MS),
    refetchOnWindowFocus: false,
    retry: 2,
  });
  useEffect(() => {
    if (query.data) store.getState().received(query.data);
  }, [query.data, store]);
  return { error: query.error };
}
