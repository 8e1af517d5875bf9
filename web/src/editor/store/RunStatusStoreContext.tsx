import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { NodeRunStatus } from '../lib/applyRunStatus';
import type { RunStatusState, RunStatusStore } from './createRunStatusStore';

const RunStatusStoreContext = createContext<RunStatusStore | null>(null);

export function RunStatusStoreProvider({ store, children }: { store: RunStatusStore; children: ReactNode }) {
  return <RunStatusStoreContext.Provider value={store}>{children}</RunStatusStoreContext.Provider>;
}

export function useRunStatusStoreApi(): RunStatusStore {
  const store = useContext(RunStatusStoreContext);
  if (!store) throw new Error('useRunStatus must be used inside <RunStatusStoreProvider>');
  return store;
}

export function useRunStatusStore<T>(selector: (state: RunStatusState) => T): T {
  return useStore(useRunStatusStoreApi(), selector);
}

/** One node's entry: the only slice a canvas node subscribes to. */
export function useNodeRunStatus(nodeId: string): NodeRunStatus | undefined {
  return useRunStatusStore((state) => state.byNode[nodeId]);
}

/** When the canvas shows a past state, the ISO time it describes; null when live. */
export function useFrozenAt(): string | null {
  return useRunStatusStore((state) => state.frozenAt);
}
