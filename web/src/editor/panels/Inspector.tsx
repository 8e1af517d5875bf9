import type { NodeType } from '@sluice/contracts';
import { useState, type ReactNode } from 'react';
import { DelayForm } from '../forms/DelayForm';
import { EndForm } from '../forms/EndForm';
import { FilterForm } from '../forms/FilterForm';
import { HttpForm } from '../forms/HttpForm';
import { IgnoreForm } from '../forms/IgnoreForm';
import { PublishForm } from '../forms/PublishForm';
import { RetryPolicyFields } from '../forms/RetryPolicyFields';
import { SubscribeForm } from '../forms/SubscribeForm';
import { TextField } from '../forms/TextField';
import { TransformForm } from '../forms/TransformForm';
import { TriggerForm } from '../forms/TriggerForm';
import { nodeKind } from '../lib/nodeCatalog';
import { shortMessage } from '../nodes/BaseNode';
import { NodeIcon } from '../nodes/NodeIcon';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';
import { SampleEventField } from './SampleEventField';
import { StepDetails } from './StepDetails';

const FORMS: Record<NodeType, (props: { nodeId: string }) => ReactNode> = {
  trigger: TriggerForm,
  subscribe: SubscribeForm,
  filter: FilterForm,
  transform: TransformForm,
  publish: PublishForm,
  http: HttpForm,
  delay: DelayForm,
  ignore: IgnoreForm,
  end: EndForm,
};

const EMPTY: string[] = [];

/** Right-hand panel: the selected node's form, or the flow overview when nothing is selected. */
export function Inspector() {
  const selectedId = useEditorStore((state) => {
    const selected = state.nodes.filter((node) => node.selected);
    return selected.length === 1 ? (selected[0]?.id ?? null) : null;
  });
  return (
    <aside className="sl-inspector" aria-label="Inspector" data-testid="inspector">
      {selectedId ? <NodeInspector key={selectedId} nodeId={selectedId} /> : <FlowOverview />}
    </aside>
  );
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const type = useEditorStore((state) => state.nodes.find((node) => node.id === nodeId)?.type);
  const readOnly = useEditorStore((state) => state.readOnly);
  const errors = useEditorStore((state) => state.validation.byNode[nodeId] ?? EMPTY);
  const warnings = useEditorStore((state) => state.validation.warningsByNode[nodeId] ?? EMPTY);
  const stale = useEditorStore((state) => state.validation.stale);
  const store = useEditorStoreApi();
  const kind = nodeKind(type);
  if (!kind) return <div className="sl-inspector__empty">Unknown node type “{type}”.</div>;
  const Form = FORMS[kind.type];
  return (
    <>
      <header className={`sl-inspector__head sl-node--${kind.group.toLowerCase()}`}>
        <span className="sl-inspector__icon">
          <NodeIcon name={kind.icon} />
        </span>
        <div className="sl-inspector__titles">
          <div className="sl-inspector__type">{kind.title}</div>
          <div className="sl-inspector__id" title="Node id">
            {nodeId}
          </div>
        </div>
        {!readOnly && (
          <button type="button" className="sl-btn sl-btn--ghost sl-btn--danger sl-btn--sm" data-testid="delete-node" onClick={() => store.getState().deleteNode(nodeId)}>
            Delete
          </button>
        )}
      </header>
      <div className="sl-inspector__scroll">
        {errors.length > 0 && (
          <ul className={`sl-inspector__errors${stale ? ' is-stale' : ''}`} data-testid="inspector-errors" data-stale={stale || undefined} title={stale ? 'Re-checking…' : undefined}>
            {errors.map((message) => (
              <li key={message}>{shortMessage(message)}</li>
            ))}
          </ul>
        )}
        {warnings.length > 0 && (
          <div className={`sl-inspector__warnings${stale ? ' is-stale' : ''}`} data-testid="inspector-warnings" data-stale={stale || undefined} role="status">
            <div className="sl-inspector__warnings-title">{warnings.length === 1 ? 'Warning' : `${warnings.length} warnings`} · won&apos;t block saving</div>
            <ul>
              {warnings.map((message) => (
                <li key={message}>{shortMessage(message)}</li>
              ))}
            </ul>
          </div>
        )}
        <Section title="Settings">
          <TextField nodeId={nodeId} field="label" label="Label" placeholder={kind.title} />
          <Form nodeId={nodeId} />
        </Section>
        {kind.retries && (
          <Collapsible title="Retry policy" defaultOpen>
            <RetryPolicyFields nodeId={nodeId} />
          </Collapsible>
        )}
        <StepDetails nodeId={nodeId} />
        {(kind.entry || kind.type === 'filter' || kind.type === 'transform' || kind.type === 'http') && (
          <Collapsible title="Sample event" defaultOpen={false}>
            <SampleEventField />
          </Collapsible>
        )}
      </div>
    </>
  );
}

function FlowOverview() {
  const name = useEditorStore((state) => state.name);
  const version = useEditorStore((state) => state.version);
  const nodeCount = useEditorStore((state) => state.nodes.length);
  const edgeCount = useEditorStore((state) => state.edges.length);
  const description = useEditorStore((state) => state.description);
  return (
    <>
      <header className="sl-inspector__head">
        <div className="sl-inspector__titles">
          <div className="sl-inspector__type">{name}</div>
          <div className="sl-inspector__id">
            version {version} · {nodeCount} nodes · {edgeCount} edges
          </div>
        </div>
      </header>
      <div className="sl-inspector__scroll">
        {description && <p className="sl-muted sl-inspector__desc">{description}</p>}
        <Section title="Get started">
          <ul className="sl-tips">
            <li>Drag a node from the palette onto the canvas.</li>
            <li>Connect an output handle to another node’s input. Filters leave by <b>yes</b> or <b>no</b>; failures can leave by <b>error</b>.</li>
            <li>Select a node to configure it here.</li>
            <li>
              <kbd>Del</kbd> deletes, <kbd>Ctrl</kbd>+<kbd>Z</kbd> undoes, <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Z</kbd> redoes.
            </li>
          </ul>
        </Section>
        <Section title="Sample event">
          <SampleEventField />
        </Section>
      </div>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="sl-section">
      <div className="sl-section__title">{title}</div>
      {children}
    </section>
  );
}

function Collapsible({ title, defaultOpen, children }: { title: string; defaultOpen: boolean; children: ReactNode }) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <section className={`sl-section sl-collapsible${open ? ' is-open' : ''}`}>
      <button type="button" className="sl-section__title sl-collapsible__toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="sl-chevron" aria-hidden>
          ▸
        </span>
        {title}
      </button>
      {open && children}
    </section>
  );
}
