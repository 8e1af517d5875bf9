import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ReplayEdgeMark, ReplayNodeMark } from '../lib/replayOverlay';
import type { ReplayState, ReplayStore } from './createReplayStore';

const ReplayStoreContext = createContext<ReplayStore | null>(null);

/** Provides one editor's replay store to its panel, legend and canvas. */
export function ReplayStoreProvider({ store, children }: { store: ReplayStore; children: ReactNode }) {
  return <ReplayStoreContext.Provider value={store}>{children}</ReplayStoreContext.Provider>;
}

export function useReplayStoreApi(): ReplayStore {
  const store = useContext(ReplayStoreContext);
  if (!store) throw new Error('useReplayStore must be used inside <ReplayStoreProvider>');
  return store;
}

export function useReplayStore<T>(selector: (state: ReplayState) => T): T {
  return useStore(useReplayStoreApi(), selector);
}

/** Stand-in for canvases without a replay (the read-only run canvas). */
const NO_REPLAY = createStore<ReplayState | null>(() => null);

/**
 * One node's replay mark, or undefined outside an editor or with no result
 * shown. Compared by value, so a poll that leaves a node's counts alone does
 * not re-render it.
 */
export function useReplayNodeMark(nodeId: string): ReplayNodeMark | undefined {
  const store = useContext(ReplayStoreContext) as StoreApi<ReplayState | null> | null;
  return useStore(store ?? NO_REPLAY, useShallow((state) => state?.overlay?.byNode[nodeId]));
}

/** One edge's replay counts; see {@link useReplayNodeMark}. */
export function useReplayEdgeMark(edgeId: string): ReplayEdgeMark | undefined {
  const store = useContext(ReplayStoreContext) as StoreApi<ReplayState | null> | null;
  return useStore(store ?? NO_REPLAY, useShallow((state) => state?.overlay?.byEdge[edgeId]));
}
