import { memo } from 'react';
import type { LiveNodeMark } from './lib/liveFigures';
import './live.css';

/**
 * A node's live figures, under the node (the status pill and the replay
 * counts sit above it): steps finished per second, steps in flight, retries
 * waiting, and a "bottleneck" tag whose title gives the reason.
 */
export const LiveNodeBadge = memo(function LiveNodeBadge({ id, mark }: { id: string; mark: LiveNodeMark }) {
  const label = `Live: ${mark.throughput} finished, ${mark.inFlight} in flight, ${mark.retriesWaiting} ${mark.retriesWaiting === 1 ? 'retry' : 'retries'} waiting${mark.bottleneck ? `; bottleneck: ${mark.bottleneck}` : ''}`;
  return (
    <div className="sl-live-badge" data-testid="live-node-badge" data-node-id={id} title={label} aria-label={label} role="note">
      <span className="sl-live-badge__part" data-part="throughput" title="Steps finished per second">
        {mark.throughput}
      </span>
      <span className="sl-live-badge__part" data-part="in-flight" title="Steps in flight">
        <b data-value={mark.inFlight}>{mark.inFlight}</b> in flight
      </span>
      {mark.retriesWaiting > 0 && (
        <span className="sl-live-badge__part is-retries" data-part="retries" title="Retries waiting for their time">
          <b>{mark.retriesWaiting}</b> {mark.retriesWaiting === 1 ? 'retry' : 'retries'}
        </span>
      )}
      {mark.bottleneck && (
        <span className="sl-live-badge__part is-bottleneck" data-part="bottleneck" title={mark.bottleneck}>
          bottleneck
        </span>
      )}
    </div>
  );
});
