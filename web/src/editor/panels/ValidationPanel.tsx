import { useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { shortMessage } from '../nodes/BaseNode';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Floating list of every validation error, then every warning (which never
 * blocks saving); clicking one selects and centres what it names.
 */
export function ValidationPanel() {
  const validation = useEditorStore((state) => state.validation);
  const store = useEditorStoreApi();
  const { fitView } = useReactFlow();
  const [open, setOpen] = useState(true);
  const { errors, warnings } = validation;
  if (errors.length === 0 && warnings.length === 0) return null;

  const focus = (nodeId?: string, edgeId?: string): void => {
    const state = store.getState();
    const id = nodeId ?? state.edges.find((edge) => edge.id === edgeId)?.source;
    if (!id) return;
    state.selectNode(nodeId ?? null);
    void fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2, padding: 0.8 });
  };
  const onlyWarnings = errors.length === 0;

  return (
    <div
      className={`sl-problems${open ? ' is-open' : ''}${onlyWarnings ? ' is-warnings' : ''}${validation.stale ? ' is-stale' : ''}`}
      data-testid="validation-panel"
      data-errors={errors.length}
      data-warnings={warnings.length}
      data-stale={validation.stale || undefined}
    >
      <button type="button" className="sl-problems__head" onClick={() => setOpen(!open)}>
        {onlyWarnings ? (
          <>
            <span className="sl-problems__count">{warnings.length}</span>
            {warnings.length === 1 ? 'warning' : 'warnings'}
            <span className="sl-problems__note">won&apos;t block saving</span>
          </>
        ) : (
          <>
            <span className="sl-problems__count">{errors.length}</span>
            {errors.length === 1 ? 'problem' : 'problems'} to fix before saving
            {warnings.length > 0 && <span className="sl-problems__also">{plural(warnings.length, 'warning', 'warnings')}</span>}
          </>
        )}
        {validation.stale && <span className="sl-problems__checking">re-checking…</span>}
        <span className="sl-chevron" aria-hidden>
          {open ? '▾' : '▸'}
        </span>
      </button>
      {open && (
        <ul className="sl-problems__list">
          {errors.map((error, index) => (
            <li key={`e-${error.nodeId ?? error.edgeId ?? ''}-${index}`} data-testid="validation-error">
              <button type="button" onClick={() => focus(error.nodeId, error.edgeId)} disabled={!error.nodeId && !error.edgeId}>
                {(error.nodeId || error.edgeId) && <span className="sl-problems__target">{error.nodeId ?? error.edgeId}</span>}
                {shortMessage(error.message)}
              </button>
            </li>
          ))}
          {warnings.length > 0 && !onlyWarnings && (
            <li className="sl-problems__section">
              {plural(warnings.length, 'warning', 'warnings')} · won&apos;t block saving
            </li>
          )}
          {warnings.map((warning, index) => (
            <li key={`w-${warning.nodeId}-${index}`} className="is-warning" data-testid="validation-warning">
              <button type="button" onClick={() => focus(warning.nodeId)} title={`Warning (won't block saving): ${warning.message}`}>
                <span className="sl-problems__target">{warning.nodeId}</span>
                {shortMessage(warning.message)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
