import type { FlowLiveDto } from '@sluice/contracts';
import { createStore } from 'zustand/vanilla';
import { liveOverlay, type LiveOverlay } from '../lib/liveFigures';

export interface LiveState {
  /** Whether the live view is on (the editor polls `GET /api/flows/:id/live` only then). */
  on: boolean;
  /** When the view was last turned on (epoch ms): answers fetched before it are not shown. */
  onSince: number | null;
  /** The last answer while on; null before the first and when off. */
  live: FlowLiveDto | null;
  /** The answer's figures by node, as the canvas draws them; null when nothing is shown. */
  overlay: LiveOverlay | null;

  setOn(on: boolean): void;
  /** Takes a fresh answer; ignored while off, so a late answer never redraws a view just turned off. */
  received(dto: FlowLiveDto): void;
}

export type LiveStore = ReturnType<typeof createLiveStore>;

/**
 * One editor's live view (docs/editor.md#live-view), a store of its own
 * beside the editor, run-status and replay stores (docs/code-style.md,
 * editor stores), so the live figures never touch the run status, the
 * bottleneck heat or the replay overlay: nodes select only their own entry.
 */
export function createLiveStore() {
  return createStore<LiveState>()((set, get) => ({
    on: false,
    onSince: null,
    live: null,
    overlay: null,

    setOn(on) {
      if (on === get().on) return;
      set(on ? { on, onSince: Date.now() } : { on, onSince: null, live: null, overlay: null });
    },

    received(dto) {
      if (!get().on) return;
      set({ live: dto, overlay: liveOverlay(dto) });
    },
  }));
}
