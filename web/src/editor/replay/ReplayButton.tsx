import { useReplayStore, useReplayStoreApi } from './store/ReplayStoreContext';
import './replay.css';

/** The toolbar's "Replay" toggle: opens the replay panel in the inspector's place, and closes it. */
export function ReplayButton() {
  const store = useReplayStoreApi();
  const open = useReplayStore((state) => state.open);
  const running = useReplayStore((state) => (state.replay?.dto?.status ?? state.replay?.started.status) === 'running');
  return (
    <button
      type="button"
      className={`sl-btn sl-replay-toggle${open ? ' is-on' : ''}`}
      data-testid="replay-open"
      aria-pressed={open}
      aria-controls="replay-panel"
      title="Run recorded events through this graph, without effects, and compare"
      onClick={() => store.getState().setOpen(!open)}
    >
      <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
        <path d="M3 12a9 9 0 1 0 3-6.7M3 4v5h5M10 9l5 3-5 3z" />
      </svg>
      Replay
      {running && <span className="sl-replay-toggle__dot" aria-label="a replay is running" />}
    </button>
  );
}
