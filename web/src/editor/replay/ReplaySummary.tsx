import type { ReplayDto } from '@sluice/contracts';
import { Backticked } from './Backticked';
import { replaySentences } from './lib/replaySentences';
import { useNodeLabels } from './useNodeLabels';

const TILES = [
  { key: 'events', label: 'Events' },
  { key: 'changed', label: 'Changed' },
  { key: 'failed', label: 'Failed' },
  { key: 'unchanged', label: 'Unchanged' },
] as const;

/** The replay's counts (events, changed, failed, unchanged) and what each node would now do differently, in sentences. */
export function ReplaySummary({ replay }: { replay: ReplayDto }) {
  const labels = useNodeLabels();
  const reports = replaySentences(replay.nodes, replay.edges);
  const done = replay.status !== 'running';
  return (
    <section className="sl-replay-summary" data-testid="replay-summary" data-final={done || undefined} aria-live="polite">
      <dl className="sl-replay-tiles">
        {TILES.map((tile) => (
          <div key={tile.key} className={`sl-replay-tile is-${tile.key}${replay.summary[tile.key] > 0 ? ' has-some' : ''}`}>
            <dt>{tile.label}</dt>
            <dd data-testid={`replay-summary-${tile.key}`}>{replay.summary[tile.key].toLocaleString('en')}</dd>
          </div>
        ))}
      </dl>
      {reports.length === 0 ? (
        done && <p className="sl-muted sl-small">Every event would run as it did.</p>
      ) : (
        <ul className="sl-replay-sentences">
          {reports.map((report) => (
            <li key={report.nodeId} data-testid="replay-node-sentences" data-node-id={report.nodeId}>
              <span className="sl-replay-sentences__node">{labels[report.nodeId] ?? report.nodeId}</span>
              <ul>
                {report.sentences.map((sentence) => (
                  <li key={sentence}>
                    <Backticked text={sentence} />
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
