import { useCallback } from 'react';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';

/** One field of one node's data, read through a selector, written through the store action. */
export function useNodeField<T = unknown>(nodeId: string, field: string): [T | undefined, (value: T | undefined) => void] {
  const value = useEditorStore((state) => state.nodes.find((node) => node.id === nodeId)?.data[field]) as T | undefined;
  const store = useEditorStoreApi();
  const set = useCallback((next: T | undefined) => store.getState().updateNodeData(nodeId, { [field]: next }), [store, nodeId, field]);
  return [value, set];
}

/** True when the canvas shows an older version. */
export function useReadOnly(): boolean {
  return useEditorStore((state) => state.readOnly);
}
