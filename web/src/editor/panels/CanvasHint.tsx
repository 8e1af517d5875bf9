import type { ReactNode } from 'react';
import { useEditorStore } from '../store/EditorStoreContext';

/**
 * What to do next on a canvas that has nothing to run yet: an empty flow, or
 * an entry node with nothing connected. Gone as soon as the flow has an edge.
 */
export function CanvasHint() {
  const nodeCount = useEditorStore((state) => state.nodes.length);
  const edgeCount = useEditorStore((state) => state.edges.length);
  const readOnly = useEditorStore((state) => state.readOnly);
  if (readOnly || edgeCount > 0 || nodeCount > 1) return null;
  const empty = nodeCount === 0;
  return (
    <div className={`sl-canvas-hint${empty ? ' is-empty' : ''}`} data-testid="canvas-hint">
      <div className="sl-canvas-hint__steps">
        <Step n={1} done={!empty}>
          Drag a <b>Trigger</b> (REST) or <b>Subscribe</b> (topic) node from the palette
        </Step>
        <Step n={2} done={false}>
          Drop the next node — a <b>Filter</b>, an <b>HTTP request</b> — and drag from the trigger’s right handle to it
        </Step>
        <Step n={3} done={false}>
          <b>Save</b>, then <b>Send test event</b> and watch the run live on the canvas
        </Step>
      </div>
    </div>
  );
}

function Step({ n, done, children }: { n: number; done: boolean; children: ReactNode }) {
  return (
    <div className={`sl-canvas-hint__step${done ? ' is-done' : ''}`}>
      <span className="sl-canvas-hint__n">{done ? '✓' : n}</span>
      <span>{children}</span>
    </div>
  );
}
