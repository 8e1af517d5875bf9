import type { FlowLiveDto } from '@sluice/contracts';
import { errorMessage } from '../../api/ApiError';
import { useNodeLabels } from '../replay/useNodeLabels';
import { bottleneckSentence, formatFigure } from './lib/liveFigures';
import { useLiveStore } from './store/LiveStoreContext';
import './live.css';

/**
 * The live view's panel over the canvas: the flow's running runs and outbox
 * backlog, the broker's queues and bindings, and the bottleneck in words.
 * Nothing while the view is off.
 */
export function LivePanel({ pollError }: { pollError: unknown }) {
  const on = useLiveStore((state) => state.on);
  const live = useLiveStore((state) => state.live);
  if (!on) return null;
  return (
    <section className="sl-live-panel" id="live-panel" data-testid="live-panel" aria-label="Live figures">
      <header className="sl-live-panel__head">
        <span className="sl-live-toggle__dot" aria-hidden />
        <span className="sl-live-panel__title">Live</span>
        <span className="sl-muted">{live ? `as of ${new Date(live.at).toLocaleTimeString()}` : 'Loading…'}</span>
      </header>
      {pollError !== null && pollError !== undefined && (
        <p className="sl-live-panel__error" role="alert" data-testid="live-error">
          {errorMessage(pollError)}
        </p>
      )}
      {live && <LiveFigures live={live} />}
    </section>
  );
}

function LiveFigures({ live }: { live: FlowLiveDto }) {
  const labels = useNodeLabels();
  const { flow, broker } = live;
  return (
    <>
      <div className="sl-live-panel__tiles">
        <div className="sl-live-tile" data-testid="live-runs-running">
          <b>{flow.runsCapped ? `≥ ${flow.runsRunning}` : flow.runsRunning}</b>
          <span>runs running</span>
        </div>
        <div className="sl-live-tile" data-testid="live-outbox">
          <b>{flow.outboxCapped ? `≥ ${flow.outboxBacklog}` : flow.outboxBacklog}</b>
          <span>in the outbox</span>
        </div>
      </div>
      <p className={`sl-live-panel__sentence${live.bottleneck ? ' is-bottleneck' : ''}`} data-testid="live-bottleneck">
        {bottleneckSentence(live, (nodeId) => labels[nodeId] ?? nodeId)}
      </p>
      <table className="sl-live-queues" data-testid="live-queues">
        <caption>Queues{broker.kind ? ` (${broker.kind})` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">queue</th>
            <th scope="col" title="Messages waiting for a consumer">depth</th>
            <th scope="col" title="Messages held by consumers, not yet settled">held</th>
            <th scope="col" title="Consumers attached">consumers</th>
          </tr>
        </thead>
        <tbody>
          {broker.queues.map((queue) => (
            <tr key={queue.name} data-testid="live-queue" data-queue={queue.name} data-role={queue.role}>
              <th scope="row" title={queue.name}>
                {queue.name}
              </th>
              <td data-figure="depth">{formatFigure(queue.depth)}</td>
              <td data-figure="held">{formatFigure(queue.inFlight)}</td>
              <td data-figure="consumers">{formatFigure(queue.consumers)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="sl-live-bindings" data-testid="live-bindings">
        <span className="sl-live-bindings__title">Bindings</span>
        {broker.bindings.length === 0 ? (
          <span className="sl-muted">none: events reach this flow over REST</span>
        ) : (
          <ul>
            {broker.bindings.map((binding) => (
              <li key={`${binding.reaches}:${binding.source ?? ''}:${binding.pattern}:${binding.target}`}>
                <code>{binding.source ?? 'events'}</code> <span className="sl-muted">—{binding.pattern}→</span> <code>{binding.target}</code>
                {binding.filterPolicy && <span className="sl-muted"> (filter {binding.filterPolicy})</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}
