import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EditorState, EditorStore } from './createEditorStore';

const EditorStoreContext = createContext<EditorStore | null>(null);

/** Provides one editor instance's store to everything under it. */
export function EditorStoreProvider({ store, children }: { store: EditorStore; children: ReactNode }) {
  return <EditorStoreContext.Provider value={store}>{children}</EditorStoreContext.Provider>;
}

/** The editor store itself, for actions and imperative reads. */
export function useEditorStoreApi(): EditorStore {
  const store = useContext(EditorStoreContext);
  if (!store) throw new Error('useEditorStore must be used inside <EditorStoreProvider>');
  return store;
}

/** Reads one slice of the editor state; re-renders only when that slice changes. */
export function useEditorStore<T>(selector: (state: EditorState) => T): T {
  return useStore(useEditorStoreApi(), selector);
}

/** Stand-in store for canvases without an editor (the read-only run canvas). */
const NO_EDITOR = createStore<EditorState | null>(() => null);

/** Like {@link useEditorStore}, but answers `fallback` outside an editor, so shared node components work in `RunCanvas`. */
export function useOptionalEditorStore<T>(selector: (state: EditorState) => T, fallback: T): T {
  const store = useContext(EditorStoreContext) as StoreApi<EditorState | null> | null;
  return useStore(store ?? NO_EDITOR, (state) => (state ? selector(state) : fallback));
}
