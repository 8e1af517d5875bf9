import type { NodeType } from '@sluice/contracts';
import type { DragEvent } from 'react';
import { DND_MIME, NODE_KINDS, PALETTE_GROUPS } from '../lib/nodeCatalog';
import { NodeIcon } from '../nodes/NodeIcon';
import { useEditorStore } from '../store/EditorStoreContext';

function onDragStart(event: DragEvent, type: NodeType): void {
  event.dataTransfer.setData(DND_MIME, type);
  event.dataTransfer.effectAllowed = 'copy';
}

/** The node types, dragged onto the canvas with HTML5 drag and drop. */
export function Palette() {
  const readOnly = useEditorStore((state) => state.readOnly);
  const kinds = Object.values(NODE_KINDS);
  return (
    <aside className="sl-palette" aria-label="Node palette">
      <div className="sl-panel-title">Nodes</div>
      <div className="sl-palette__hint">{readOnly ? 'Older versions are read-only.' : 'Drag onto the canvas'}</div>
      {PALETTE_GROUPS.map((group) => (
        <div key={group} className="sl-palette__group">
          <div className="sl-palette__group-title">{group}</div>
          {kinds
            .filter((kind) => kind.group === group)
            .map((kind) => (
              <div
                key={kind.type}
                className={`sl-palette__item sl-node--${kind.group.toLowerCase()}${readOnly ? ' is-disabled' : ''}`}
                data-testid={`palette-${kind.type}`}
                draggable={!readOnly}
                onDragStart={(event) => onDragStart(event, kind.type)}
                title={kind.description}
              >
                <span className="sl-palette__icon">
                  <NodeIcon name={kind.icon} size={16} />
                </span>
                <span className="sl-palette__text">
                  <span className="sl-palette__name">{kind.title}</span>
                  <span className="sl-palette__desc">{kind.description}</span>
                </span>
              </div>
            ))}
        </div>
      ))}
    </aside>
  );
}
