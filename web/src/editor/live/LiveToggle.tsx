import { useLiveStore, useLiveStoreApi } from './store/LiveStoreContext';
import './live.css';

/** The toolbar's "Live" toggle: while on, the canvas shows where the flow's work is now (docs/editor.md#live-view). */
export function LiveToggle() {
  const store = useLiveStoreApi();
  const on = useLiveStore((state) => state.on);
  return (
    <button
      type="button"
      className={`sl-btn sl-live-toggle${on ? ' is-on' : ''}`}
      data-testid="live-toggle"
      aria-pressed={on}
      aria-controls="live-panel"
      title="Show where this flow's work is now and where it backs up, refreshed every second"
      onClick={() => store.getState().setOn(!on)}
    >
      <span className="sl-live-toggle__dot" aria-hidden />
      Live
    </button>
  );
}
