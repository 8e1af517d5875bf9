import { useShallow } from 'zustand/react/shallow';
import { useEditorStore } from '../store/EditorStoreContext';

/** Each canvas node's label, by id (nodes without one are absent), for naming nodes in the replay's sentences and views. */
export function useNodeLabels(): Record<string, string> {
  return useEditorStore(
    useShallow((state) => {
      const labels: Record<string, string> = {};
      for (const node of state.nodes) {
        const label = node.data['label'];
        if (typeof label === 'string' && label.trim() !== '') labels[node.id] = label;
      }
      return labels;
    }),
  );
}
