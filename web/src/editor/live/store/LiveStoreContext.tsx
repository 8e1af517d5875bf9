import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LiveNodeMark } from '../lib/liveFigures';
import type { LiveState, LiveStore } from './createLiveStore';

const LiveStoreContext = createContext<LiveStore | null>(null);

/** Provides one editor's live store to its toggle, panel and canvas. */
export function LiveStoreProvider({ store, children }: { store: LiveStore; children: ReactNode }) {
  return <LiveStoreContext.Provider value={store}>{children}</LiveStoreContext.Provider>;
}

export function useLiveStoreApi(): LiveStore {
  const store = useContext(LiveStoreContext);
  if (!store) throw new Error('useLiveStore must be used inside <LiveStoreProvider>');
  return store;
}

export function useLiveStore<T>(selector: (state: LiveState) => T): T {
  return useStore(useLiveStoreApi(), selector);
}

/** Stand-in for canvases without a live view (the read-only run canvas). */
const NO_LIVE = createStore<LiveState | null>(() => null);

/**
 * One node's live figures, or undefined outside an editor or with the view
 * off. Compared by value, so a poll that leaves a node's figures alone does
 * not re-render it.
 */
export function useLiveNodeMark(nodeId: string): LiveNodeMark | undefined {
  const store = useContext(LiveStoreContext) as StoreApi<LiveState | null> | null;
  return useStore(store ?? NO_LIVE, useShallow((state) => state?.overlay?.[nodeId]));
}
