import { useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { shortMessage } from '../nodes/BaseNode';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';

/** Floating list of every validation error; clicking one selects and centres what it names. */
export function ValidationPanel() {
  const validation = useEditorStore((state) => state.validation);
  const store = useEditorStoreApi();
  const { fitView } = useReactFlow();
  const [open, setOpen] = useState(true);
  if (validation.errors.length === 0) return null;

  const focus = (nodeId?: string, edgeId?: string): void => {
    const state = store.getState();
    const id = nodeId ?? state.edges.find((edge) => edge.id === edgeId)?.source;
    if (!id) return;
    state.selectNode(nodeId ?? null);
    void fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2, padding: 0.8 });
  };

  return (
    <div className={`sl-problems${open ? ' is-open' : ''}${validation.stale ? ' is-stale' : ''}`} data-testid="validation-panel" data-stale={validation.stale || undefined}>
      <button type="button" className="sl-problems__head" onClick={() => setOpen(!open)}>
        <span className="sl-problems__count">{validation.errors.length}</span>
        {validation.errors.length === 1 ? 'problem' : 'problems'} to fix before saving
        {validation.stale && <span className="sl-problems__checking">re-checking…</span>}
        <span className="sl-chevron" aria-hidden>
          {open ? '▾' : '▸'}
        </span>
      </button>
      {open && (
        <ul className="sl-problems__list">
          {validation.errors.map((error, index) => (
            <li key={`${error.nodeId ?? error.edgeId ?? ''}-${index}`}>
              <button type="button" onClick={() => focus(error.nodeId, error.edgeId)} disabled={!error.nodeId && !error.edgeId}>
                {(error.nodeId || error.edgeId) && <span className="sl-problems__target">{error.nodeId ?? error.edgeId}</span>}
                {shortMessage(error.message)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
