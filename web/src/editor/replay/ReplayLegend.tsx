import { useEditorStore } from '../store/EditorStoreContext';
import { useReplayStore, useReplayStoreApi } from './store/ReplayStoreContext';
import './replay.css';

/**
 * A chip at the top of the canvas, under the run chip, while a replay is drawn on it: whose
 * counts these are, a "clear" control, and a note once the canvas has been
 * edited since the replay started (its counts describe the graph as it was).
 */
export function ReplayLegend() {
  const store = useReplayStoreApi();
  const replay = useReplayStore((state) => state.replay);
  const startRevision = useReplayStore((state) => state.revision);
  const edited = useEditorStore((state) => startRevision !== null && state.revision !== startRevision);
  if (!replay) return null;
  const dto = replay.dto;
  const running = (dto?.status ?? replay.started.status) === 'running';
  const progress = dto?.progress ?? replay.started.progress;
  return (
    <div className="sl-replay-legend" data-testid="replay-legend" role="status">
      <span className="sl-replay-legend__title">Replay</span>
      {running ? (
        <span className="sl-tabular">
          {progress.done} of {progress.total} events…
        </span>
      ) : dto ? (
        <span>
          <b>{dto.summary.changed}</b> of {dto.summary.events} changed{dto.summary.failed > 0 && <> · <b>{dto.summary.failed}</b> fail</>}
        </span>
      ) : null}
      <span className="sl-replay-legend__key" aria-hidden>
        <span className="sl-replay-legend__edge">before → after</span>
      </span>
      {edited && <span className="sl-replay-legend__stale">canvas edited since</span>}
      <button type="button" className="sl-replay-legend__clear" data-testid="replay-legend-clear" aria-label="Clear the replay overlay" onClick={() => store.getState().clear()}>
        Clear ×
      </button>
    </div>
  );
}
