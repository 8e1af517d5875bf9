import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type ChangeEvent, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError, errorMessage } from '../../api/ApiError';
import { api } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { useReactFlow } from '@xyflow/react';
import { autoLayout } from '../lib/autoLayout';
import { downloadJson, parseFlowFile, toFlowFile } from '../lib/flowFile';
import { LiveToggle } from '../live/LiveToggle';
import { ReplayButton } from '../replay/ReplayButton';
import { toFlowGraph } from '../store/createEditorStore';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';
import { VersionPicker } from './VersionPicker';

export interface EditorToolbarProps {
  onSendEvent: () => void;
  bottleneck: { enabled: boolean; window: number; runs: number; loading: boolean };
  onBottleneck: (next: { enabled: boolean; window: number }) => void;
  notify: (message: string, tone?: 'ok' | 'error') => void;
}

const WINDOWS = [20, 50, 100, 200];

/** The editor's top bar: name, version, history, layout, import/export, bottleneck view, live view, runs, replay, test event and save. */
export function EditorToolbar({ onSendEvent, bottleneck, onBottleneck, notify }: EditorToolbarProps) {
  const store = useEditorStoreApi();
  const queryClient = useQueryClient();
  const { fitView } = useReactFlow();
  const [, setSearch] = useSearchParams();
  const fileInput = useRef<HTMLInputElement>(null);
  const flowId = useEditorStore((state) => state.flowId);
  const name = useEditorStore((state) => state.name);
  const readOnly = useEditorStore((state) => state.readOnly);
  const canUndo = useEditorStore((state) => state.past.length > 0);
  const canRedo = useEditorStore((state) => state.future.length > 0);
  const hasSelection = useEditorStore((state) => state.nodes.some((node) => node.selected) || state.edges.some((edge) => edge.selected));
  const dirty = useEditorStore((state) => state.revision !== state.savedRevision);
  const validation = useEditorStore((state) => state.validation.status);
  const validationCurrent = useEditorStore((state) => state.validation.revision === state.revision);
  const problemCount = useEditorStore((state) => state.validation.errors.length);
  const warningCount = useEditorStore((state) => state.validation.warnings.length);
  const [layingOut, setLayingOut] = useState(false);

  const save = useMutation({
    mutationFn: () => {
      const state = store.getState();
      return api.saveFlow(state.flowId, { name: state.name.trim() || 'Untitled flow', graph: toFlowGraph(state.nodes, state.edges) });
    },
    onSuccess: (flow) => {
      store.getState().markSaved(flow);
      queryClient.setQueryData(queryKeys.flow(flow.id), flow);
      void queryClient.invalidateQueries({ queryKey: queryKeys.versions(flow.id) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.flows, exact: true });
      notify(`Saved as version ${flow.version}`);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'invalid_graph' && Array.isArray(error.details)) {
        const { validation, revision } = store.getState();
        store.getState().setValidation({ status: 'invalid', errors: error.details, warnings: validation.warnings, revision });
      }
      notify(`Save failed: ${errorMessage(error)}`, 'error');
    },
  });

  const valid = validation === 'valid' && validationCurrent;
  const saveBlocked = readOnly ? 'Older versions are read-only' : validation === 'checking' || !validationCurrent ? 'Checking the graph…' : !valid ? `Fix ${problemCount} problem${problemCount === 1 ? '' : 's'} to save` : undefined;

  const layout = async (): Promise<void> => {
    setLayingOut(true);
    try {
      const state = store.getState();
      const positions = await autoLayout(state.nodes, toFlowGraph(state.nodes, state.edges).edges);
      store.getState().setPositions(positions);
      requestAnimationFrame(() => void fitView({ padding: 0.12, duration: 300, maxZoom: 1.1 }));
    } catch (error) {
      notify(`Layout failed: ${errorMessage(error)}`, 'error');
    } finally {
      setLayingOut(false);
    }
  };

  const exportFlow = (): void => {
    const state = store.getState();
    const slug = state.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'flow';
    downloadJson(`${slug}.v${state.version}.sluice.json`, toFlowFile(state.name, state.description, toFlowGraph(state.nodes, state.edges)));
  };

  const importFlow = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const parsed = parseFlowFile(await file.text());
    if (!parsed.ok) return notify(`Import failed: ${parsed.error}`, 'error');
    store.getState().replaceGraph(parsed.graph);
    requestAnimationFrame(() => void fitView({ padding: 0.12, duration: 300, maxZoom: 1.1 }));
    notify(`Imported ${parsed.graph.nodes.length} nodes — review and save to create a new version`);
  };

  return (
    <div className="sl-toolbar" data-testid="editor-toolbar">
      <div className="sl-toolbar__group sl-toolbar__title">
        <Link to="/" className="sl-crumb">
          Flows
        </Link>
        <span className="sl-crumb-sep">/</span>
        <input
          className="sl-name-input"
          data-testid="flow-name"
          value={name}
          disabled={readOnly}
          aria-label="Flow name"
          onChange={(event) => store.getState().setName(event.target.value)}
        />
        <VersionPicker />
        {readOnly ? (
          <button type="button" className="sl-tag sl-tag--warn" onClick={() => setSearch({})}>
            Read-only · back to latest
          </button>
        ) : (
          dirty && <span className="sl-tag">Unsaved</span>
        )}
      </div>

      <div className="sl-toolbar__group">
        <ToolButton label="Undo (Ctrl+Z)" testId="undo" disabled={readOnly || !canUndo} onClick={() => store.getState().undo()}>
          <Svg d="M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
        </ToolButton>
        <ToolButton label="Redo (Ctrl+Shift+Z)" testId="redo" disabled={readOnly || !canRedo} onClick={() => store.getState().redo()}>
          <Svg d="m15 14 5-5-5-5M20 9H9.5a5.5 5.5 0 0 0 0 11H13" />
        </ToolButton>
        <ToolButton label="Delete selection (Del)" testId="delete-selection" disabled={readOnly || !hasSelection} onClick={() => store.getState().deleteSelection()}>
          <Svg d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
        </ToolButton>
        <span className="sl-toolbar__sep" />
        <ToolButton label="Auto-layout" testId="auto-layout" disabled={readOnly || layingOut} onClick={() => void layout()}>
          <Svg d="M3 3h7v7H3zM14 14h7v7h-7zM14 3h7v7h-7zM10 6.5h4M17.5 10v4" />
        </ToolButton>
        <ToolButton label="Import flow JSON" testId="import" disabled={readOnly} onClick={() => fileInput.current?.click()}>
          <Svg d="M12 3v12M7 10l5 5 5-5M5 21h14" />
        </ToolButton>
        <ToolButton label="Export flow JSON" testId="export" onClick={exportFlow}>
          <Svg d="M12 21V9M7 14l5-5 5 5M5 3h14" />
        </ToolButton>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={(event) => void importFlow(event)} />
        <span className="sl-toolbar__sep" />
        <div className={`sl-segment${bottleneck.enabled ? ' is-on' : ''}`}>
          <button
            type="button"
            className="sl-segment__main"
            data-testid="bottleneck-toggle"
            aria-pressed={bottleneck.enabled}
            title="Heat map of per-node figures over the last runs"
            onClick={() => onBottleneck({ enabled: !bottleneck.enabled, window: bottleneck.window })}
          >
            <Svg d="M3 20h18M6 16v-5M11 16V6M16 16v-8M21 16v-3" />
            Bottlenecks
          </button>
          {bottleneck.enabled && (
            <select
              className="sl-segment__select"
              value={bottleneck.window}
              aria-label="Runs in window"
              onChange={(event) => onBottleneck({ enabled: true, window: Number(event.target.value) })}
            >
              {WINDOWS.map((size) => (
                <option key={size} value={size}>
                  last {size}
                </option>
              ))}
            </select>
          )}
        </div>
        <LiveToggle />
      </div>

      <div className="sl-toolbar__group sl-toolbar__actions">
        <Link className="sl-btn" to={`/flows/${flowId}/runs`} data-testid="open-runs" title="Every run of this flow">
          <Svg d="M4 6h16M4 12h16M4 18h10" />
          Runs
        </Link>
        <ReplayButton />
        <button type="button" className="sl-btn" data-testid="send-test-event" onClick={onSendEvent} disabled={readOnly}>
          <Svg d="M5 3l14 9-14 9V3z" />
          Send test event
        </button>
        <div className="sl-save" title={saveBlocked}>
          <button
            type="button"
            className="sl-btn sl-btn--primary"
            data-testid="save"
            disabled={Boolean(saveBlocked) || save.isPending}
            onClick={() => save.mutate()}
          >
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
          {saveBlocked && !readOnly && (
            <span className={`sl-save__reason${validation === 'invalid' && validationCurrent ? ' is-error' : ''}`} data-testid="save-blocked">
              {saveBlocked}
            </span>
          )}
          {!saveBlocked && warningCount > 0 && (
            <span className="sl-save__reason is-warning" data-testid="save-warnings" title="Warnings don't block saving; the problems panel lists them">
              {warningCount} {warningCount === 1 ? 'warning' : 'warnings'}
            </span>
          )}
        </div>
      </div>
    </div>
  );
}

function ToolButton({ label, testId, disabled, onClick, children }: { label: string; testId: string; disabled?: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className="sl-tool" title={label} aria-label={label} data-testid={testId} disabled={disabled} onClick={onClick}>
      {children}
    </button>
  );
}

function Svg({ d }: { d: string }) {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={d} />
    </svg>
  );
}
