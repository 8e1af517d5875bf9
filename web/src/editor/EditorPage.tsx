import { useQuery } from '@tanstack/react-query';
import type { FlowDto } from '@sluice/contracts';
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useState } from 'react';
import { useStore } from 'zustand';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../api/ApiError';
import { api } from '../api/client';
import { queryKeys } from '../api/queryKeys';
import { showRunWhenReady, useLiveRuns } from '../api/useLiveRuns';
import { Toast, useToast } from '../ui/Toast';
import { EditorCanvas } from './canvas/EditorCanvas';
import { CanvasHint } from './panels/CanvasHint';
import { EditorToolbar } from './panels/EditorToolbar';
import { Inspector } from './panels/Inspector';
import { Palette } from './panels/Palette';
import { RunIndicator } from './panels/RunIndicator';
import { SendEventModal } from './panels/SendEventModal';
import { ValidationPanel } from './panels/ValidationPanel';
import { createEditorStore } from './store/createEditorStore';
import { createRunStatusStore } from './store/createRunStatusStore';
import { EditorStoreProvider, useEditorStore } from './store/EditorStoreContext';
import { RunStatusStoreProvider } from './store/RunStatusStoreContext';
import { ReplayLegend } from './replay/ReplayLegend';
import { ReplayPanel } from './replay/ReplayPanel';
import { createReplayStore } from './replay/store/createReplayStore';
import { ReplayStoreProvider } from './replay/store/ReplayStoreContext';
import { useReplayPolling } from './replay/useReplayPolling';
import { LivePanel } from './live/LivePanel';
import { createLiveStore } from './live/store/createLiveStore';
import { LiveStoreProvider } from './live/store/LiveStoreContext';
import { useLivePolling } from './live/useLivePolling';
import { useBottleneck } from './useBottleneck';
import { useEditorShortcuts } from './useEditorShortcuts';
import { useGraphValidation } from './useGraphValidation';
import '@xyflow/react/dist/style.css';
import './editor.css';

/** `/flows/:id[?version=n]`: loads the flow (and the version asked for) and mounts one editor instance. */
export function EditorPage() {
  const { id = '' } = useParams();
  const [search] = useSearchParams();
  const versionParam = search.get('version');
  const requested = versionParam === null ? undefined : Number(versionParam);
  const latest = useQuery({ queryKey: queryKeys.flow(id), queryFn: () => api.getFlow(id), staleTime: Infinity });
  const older = useQuery({
    queryKey: queryKeys.flow(id, requested),
    queryFn: () => api.getFlow(id, requested),
    enabled: requested !== undefined,
    staleTime: Infinity,
  });

  const error = latest.error ?? older.error;
  if (error) {
    return (
      <div className="sl-page-message">
        <h2>Cannot open this flow</h2>
        <p className="sl-muted">{errorMessage(error)}</p>
        <Link className="sl-btn" to="/">
          Back to flows
        </Link>
      </div>
    );
  }
  const flow = requested === undefined ? latest.data : older.data;
  if (!flow || !latest.data) return <div className="sl-page-message sl-muted">Loading flow…</div>;
  const readOnly = flow.version < latest.data.version;
  return <EditorInstance key={`${id}:${versionParam ?? 'latest'}`} flow={flow} latestVersion={latest.data.version} readOnly={readOnly} />;
}

/** One editor: its own editor, run-status, replay and live stores (docs/code-style.md, editor stores), created once per flow version shown. */
function EditorInstance({ flow, latestVersion, readOnly }: { flow: FlowDto; latestVersion: number; readOnly: boolean }) {
  const [store] = useState(() => createEditorStore(flow, { readOnly, latestVersion }));
  const [runStore] = useState(() => createRunStatusStore({ followLatest: true }));
  const [replayStore] = useState(createReplayStore);
  const [liveStore] = useState(createLiveStore);
  const replayOpen = useStore(replayStore, (state) => state.open);
  const [sending, setSending] = useState(false);
  const [bottleneck, setBottleneck] = useState({ enabled: false, window: 50 });
  const { toast, notify } = useToast();

  useLiveRuns({ flowId: flow.id }, runStore);
  useGraphValidation(store);
  useEditorShortcuts(store);
  const stats = useBottleneck(store, flow.id, bottleneck.enabled, bottleneck.window);
  const replayPoll = useReplayPolling(replayStore);
  const livePoll = useLivePolling(liveStore, flow.id);

  const send = useCallback(
    async (payload: unknown) => {
      const result = await api.triggerFlow(flow.id, payload);
      showRunWhenReady(runStore, result.runId);
      notify(result.deduplicated ? `Duplicate event: following run ${result.runId.slice(0, 8)}` : `Run ${result.runId.slice(0, 8)} started`);
    },
    [flow.id, runStore, notify],
  );
  const closeModal = useCallback(() => setSending(false), []);

  return (
    <EditorStoreProvider store={store}>
      <RunStatusStoreProvider store={runStore}>
        <ReplayStoreProvider store={replayStore}>
          <LiveStoreProvider store={liveStore}>
            <ReactFlowProvider>
              <div className={`sl-editor${readOnly ? ' is-readonly' : ''}`} data-testid="editor">
                <EditorToolbar
                  onSendEvent={() => setSending(true)}
                  bottleneck={{ ...bottleneck, ...stats }}
                  onBottleneck={setBottleneck}
                  notify={notify}
                />
                <div className="sl-editor__main">
                  <Palette />
                  <div className="sl-editor__stage">
                    <EditorCanvas />
                    <div className="sl-editor__overlay-top">
                      {bottleneck.enabled ? <BottleneckLegend runs={stats.runs} loading={stats.loading} /> : <RunIndicator />}
                    </div>
                    <ReplayLegend />
                    <LivePanel pollError={livePoll.error} />
                    <CanvasHint />
                    <ValidationPanel />
                  </div>
                  {replayOpen ? <ReplayPanel pollError={replayPoll.error} /> : <Inspector />}
                </div>
                {sending && <SendModal onClose={closeModal} onSend={send} />}
                <Toast toast={toast} />
              </div>
            </ReactFlowProvider>
          </LiveStoreProvider>
        </ReplayStoreProvider>
      </RunStatusStoreProvider>
    </EditorStoreProvider>
  );
}

function SendModal({ onClose, onSend }: { onClose: () => void; onSend: (payload: unknown) => Promise<void> }) {
  const dirty = useEditorStore((state) => state.revision !== state.savedRevision);
  const version = useEditorStore((state) => state.latestVersion);
  return <SendEventModal onClose={onClose} onSend={onSend} note={dirty ? `Runs use the saved version v${version}; unsaved changes are not included.` : undefined} />;
}

function BottleneckLegend({ runs, loading }: { runs: number; loading: boolean }) {
  const hottest = useEditorStore((state) => state.bottleneck?.hottest);
  return (
    <div className="sl-heat-legend" data-testid="bottleneck-legend">
      <span className="sl-heat-legend__title">{loading ? 'Loading runs…' : `Bottlenecks over the last ${runs} run${runs === 1 ? '' : 's'}`}</span>
      <span className="sl-heat-legend__scale">
        <span>cool</span>
        <span className="sl-heat-legend__bar" />
        <span>hot</span>
      </span>
      {hottest && (
        <span className="sl-muted">
          slowest / most failing: <b>{hottest}</b>
        </span>
      )}
    </div>
  );
}
