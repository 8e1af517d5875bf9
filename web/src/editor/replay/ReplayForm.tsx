import type { FlowGraph, GraphError } from '@sluice/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/ApiError';
import { api } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { toFlowGraph } from '../store/createEditorStore';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';
import { buildReplayRequest, REPLAY_LIMIT_MAX, type ReplayFormErrors } from './lib/replayRequest';
import { newHttpNodes } from './lib/replayStubs';
import { useReplayStore, useReplayStoreApi } from './store/ReplayStoreContext';
import { StubFields } from './StubFields';
import { useNodeLabels } from './useNodeLabels';

/**
 * What to replay and through what: the graph on the canvas (the default) or
 * a saved version, how many of the latest events, an optional time range and
 * payload filter, and stubs for http nodes the record cannot answer. Start
 * posts `POST /api/flows/:id/replays`; a refusal shows its message here.
 */
export function ReplayForm() {
  const editor = useEditorStoreApi();
  const replays = useReplayStoreApi();
  const flowId = useEditorStore((state) => state.flowId);
  const shownVersion = useEditorStore((state) => state.version);
  const readOnly = useEditorStore((state) => state.readOnly);
  const dirty = useEditorStore((state) => state.revision !== state.savedRevision);
  const problems = useEditorStore((state) => (state.validation.status === 'invalid' && state.validation.revision === state.revision ? state.validation.errors.length : 0));
  const nodes = useEditorStore((state) => state.nodes);
  const edges = useEditorStore((state) => state.edges);
  const form = useReplayStore((state) => state.form);
  const running = useReplayStore((state) => (state.replay?.dto?.status ?? state.replay?.started.status) === 'running');
  const labels = useNodeLabels();
  const [errors, setErrors] = useState<ReplayFormErrors>({});
  const ids = { subject: useId(), limit: useId(), q: useId(), from: useId(), to: useId() };

  const versions = useQuery({ queryKey: queryKeys.versions(flowId), queryFn: () => api.flowVersions(flowId) });
  const latest = useQuery({ queryKey: queryKeys.flow(flowId), queryFn: () => api.getFlow(flowId), staleTime: Infinity });
  const version = form.subject === 'draft' ? undefined : form.subject;
  const versionFlow = useQuery({
    queryKey: queryKeys.flow(flowId, version),
    queryFn: () => api.getFlow(flowId, version),
    enabled: version !== undefined,
    staleTime: Infinity,
  });

  const draft: FlowGraph = toFlowGraph(nodes, edges);
  const subjectGraph = form.subject === 'draft' ? draft : versionFlow.data?.graph;
  const httpNodes = (subjectGraph?.nodes ?? []).filter((node) => node.type === 'http').map((node) => node.id);
  const fresh = subjectGraph ? newHttpNodes(subjectGraph, latest.data?.graph) : [];
  const shownStubs = [...fresh, ...httpNodes.filter((nodeId) => !fresh.includes(nodeId) && nodeId in form.stubs)];

  const start = useMutation({
    mutationFn: (request: Parameters<typeof api.startReplay>[1]) => api.startReplay(flowId, request),
    onSuccess: (started) => replays.getState().follow(started, form.subject === 'draft' ? editor.getState().revision : null),
  });
  const follow = useMutation({
    mutationFn: async () => {
      const running = (await api.listReplays(flowId)).items.find((item) => item.status === 'running');
      if (!running) throw new Error('That replay has ended; start again.');
      replays.getState().follow({ id: running.id, status: 'running', progress: running.progress }, null);
    },
    onSuccess: () => start.reset(),
  });

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const built = buildReplayRequest(form, draft, shownStubs);
    if (!built.ok) return setErrors(built.errors);
    setErrors({});
    start.mutate(built.request);
  };
  /** Changes the form, and forgets the error of the field changed. */
  const edit = (patch: Partial<typeof form>, field?: keyof ReplayFormErrors): void => {
    replays.getState().setForm(patch);
    if (field && errors[field]) setErrors({ ...errors, [field]: undefined });
  };
  const setStub = (nodeId: string, text: string): void => {
    edit({ stubs: { ...form.stubs, [nodeId]: text } }, 'stubs');
  };
  const removeStub = (nodeId: string): void => {
    const stubs = { ...form.stubs };
    delete stubs[nodeId];
    edit({ stubs }, 'stubs');
  };

  const blocked = running
    ? 'A replay is running'
    : form.subject === 'draft' && problems > 0
      ? `Fix ${problems} problem${problems === 1 ? '' : 's'} on the canvas first`
      : undefined;
  const limitText = Number.isInteger(Number(form.limit)) && Number(form.limit) > 0 ? Number(form.limit) : undefined;
  const versionItems = [...(versions.data?.items ?? [])].sort((a, b) => b.version - a.version);

  return (
    <form className="sl-replay-form" data-testid="replay-form" onSubmit={submit} noValidate>
      <div className="sl-field">
        <label className="sl-field__label" htmlFor={ids.subject}>
          Replay through
        </label>
        <select
          id={ids.subject}
          className="sl-input sl-select"
          data-testid="replay-subject"
          value={form.subject === 'draft' ? 'draft' : String(form.subject)}
          onChange={(event) => edit({ subject: event.target.value === 'draft' ? 'draft' : Number(event.target.value) }, 'stubs')}
        >
          <option value="draft">{readOnly ? `The graph on the canvas (v${shownVersion})` : dirty ? 'The draft on the canvas (unsaved)' : 'The graph on the canvas'}</option>
          {versionItems.map((item) => (
            <option key={item.version} value={item.version}>
              Saved version v{item.version}
            </option>
          ))}
        </select>
      </div>

      <div className="sl-replay-form__row">
        <div className={`sl-field${errors.limit ? ' has-error' : ''}`}>
          <label className="sl-field__label" htmlFor={ids.limit}>
            Latest events
          </label>
          <input
            id={ids.limit}
            type="number"
            className="sl-input"
            data-testid="replay-limit"
            min={1}
            max={REPLAY_LIMIT_MAX}
            value={form.limit}
            aria-invalid={errors.limit ? true : undefined}
            onChange={(event) => edit({ limit: event.target.value }, 'limit')}
          />
        </div>
        <div className="sl-field sl-grow">
          <label className="sl-field__label" htmlFor={ids.q}>
            Payload filter <span className="sl-muted">(optional)</span>
          </label>
          <input
            id={ids.q}
            className="sl-input sl-input--mono"
            data-testid="replay-q"
            placeholder="amount > 100"
            spellCheck={false}
            value={form.q}
            onChange={(event) => edit({ q: event.target.value })}
          />
        </div>
      </div>
      {errors.limit && <div className="sl-field__error sl-replay-form__error">{errors.limit}</div>}

      <div className="sl-replay-form__row">
        <div className={`sl-field sl-grow${errors.from ? ' has-error' : ''}`}>
          <label className="sl-field__label" htmlFor={ids.from}>
            From <span className="sl-muted">(optional)</span>
          </label>
          <input id={ids.from} type="datetime-local" className="sl-input" data-testid="replay-from" value={form.from} onChange={(event) => edit({ from: event.target.value }, 'from')} />
          {errors.from && <div className="sl-field__error">{errors.from}</div>}
        </div>
        <div className={`sl-field sl-grow${errors.to ? ' has-error' : ''}`}>
          <label className="sl-field__label" htmlFor={ids.to}>
            To <span className="sl-muted">(optional)</span>
          </label>
          <input id={ids.to} type="datetime-local" className="sl-input" data-testid="replay-to" value={form.to} onChange={(event) => edit({ to: event.target.value }, 'to')} />
          {errors.to && <div className="sl-field__error">{errors.to}</div>}
        </div>
      </div>

      <StubFields
        shown={shownStubs}
        fresh={fresh}
        others={httpNodes.filter((nodeId) => !fresh.includes(nodeId))}
        texts={form.stubs}
        errors={errors.stubs}
        labels={labels}
        onChange={setStub}
        onAdd={(nodeId) => setStub(nodeId, '')}
        onRemove={removeStub}
      />

      <div className="sl-replay-form__foot">
        <button type="submit" className="sl-btn sl-btn--primary" data-testid="replay-start" disabled={Boolean(blocked) || start.isPending}>
          {start.isPending ? 'Starting…' : limitText ? `Replay ${limitText === 1 ? 'the latest event' : `the latest ${limitText.toLocaleString('en')} events`}` : 'Replay'}
        </button>
        {blocked && <span className="sl-muted sl-small">{blocked}</span>}
      </div>
      {start.error && <StartError error={start.error} onFollow={() => follow.mutate()} following={follow.isPending} />}
      {follow.error && (
        <div className="sl-replay-alert" role="alert">
          {errorMessage(follow.error)}
        </div>
      )}
    </form>
  );
}

/** A refused start: the API's message, the draft's problems on 422, and on 409 a way to follow the replay that runs. */
function StartError({ error, onFollow, following }: { error: unknown; onFollow: () => void; following: boolean }) {
  const problems = error instanceof ApiError && error.code === 'invalid_graph' && Array.isArray(error.details) ? (error.details as GraphError[]) : [];
  return (
    <div className="sl-replay-alert" role="alert" data-testid="replay-error" data-code={error instanceof ApiError ? error.code : undefined}>
      <div>{errorMessage(error)}</div>
      {problems.length > 0 && (
        <ul className="sl-replay-alert__list">
          {problems.slice(0, 5).map((problem, index) => (
            <li key={index}>{problem.message}</li>
          ))}
        </ul>
      )}
      {error instanceof ApiError && error.code === 'replay_running' && (
        <button type="button" className="sl-btn sl-btn--sm" onClick={onFollow} disabled={following}>
          Follow the running replay
        </button>
      )}
    </div>
  );
}
