import { useState } from 'react';
import { errorMessage } from '../../api/ApiError';
import { ReplayEventDialog } from './ReplayEventDialog';
import { ReplayEventList } from './ReplayEventList';
import { ReplayForm } from './ReplayForm';
import { ReplayProgress } from './ReplayProgress';
import { ReplaySummary } from './ReplaySummary';
import { useReplayStore, useReplayStoreApi } from './store/ReplayStoreContext';
import './replay.css';

/**
 * Shadow replay in the editor (docs/editor.md#replay), in the inspector's
 * place while open: the form, then the followed replay's progress, summary
 * and events; an event opens both runs side by side.
 */
export function ReplayPanel({ pollError }: { pollError: unknown }) {
  const store = useReplayStoreApi();
  const replay = useReplayStore((state) => state.replay);
  const [openEvent, setOpenEvent] = useState<string | null>(null);
  const dto = replay?.dto ?? null;
  const status = dto?.status ?? replay?.started.status;
  const progress = dto?.progress ?? replay?.started.progress;

  return (
    <aside id="replay-panel" className="sl-replay-panel" aria-label="Replay" data-testid="replay-panel">
      <header className="sl-replay-panel__head">
        <div className="sl-replay-panel__titles">
          <h2 className="sl-replay-panel__title">Replay</h2>
          <p className="sl-muted sl-small">Recorded events through this graph, without effects, compared with what happened.</p>
        </div>
        <button type="button" className="sl-icon-btn" aria-label="Close the replay panel" data-testid="replay-close" onClick={() => store.getState().setOpen(false)}>
          ×
        </button>
      </header>
      <div className="sl-replay-panel__scroll">
        <ReplayForm />
        {replay && status && progress && (
          <section className="sl-replay-result" data-testid="replay-result" data-replay-id={replay.id} data-status={status}>
            <div className="sl-section__title">
              Result
              <button type="button" className="sl-link sl-section__aside" data-testid="replay-clear" onClick={() => store.getState().clear()}>
                Clear
              </button>
            </div>
            <ReplayProgress status={status} progress={progress} error={dto?.error ?? null} />
            {pollError !== null && pollError !== undefined && (
              <div className="sl-replay-alert" role="alert">
                Cannot read the replay: {errorMessage(pollError)}
              </div>
            )}
            {dto ? <ReplaySummary replay={dto} /> : <div className="sl-replay-summary is-pending" aria-hidden />}
            {dto && status !== 'running' && <ReplayEventList events={dto.events} onOpen={setOpenEvent} />}
          </section>
        )}
      </div>
      {dto && openEvent !== null && <ReplayEventDialog replay={dto} runId={openEvent} onClose={() => setOpenEvent(null)} />}
    </aside>
  );
}
