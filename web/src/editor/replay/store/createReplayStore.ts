import type { ReplayDto, ReplayStartedDto } from '@sluice/contracts';
import { createStore } from 'zustand/vanilla';
import { replayOverlay, type ReplayOverlay } from '../lib/replayOverlay';
import { DEFAULT_REPLAY_FORM, type ReplayFormValues } from '../lib/replayRequest';

/** The replay an editor follows: what the API last said about it, or only that it started. */
export type TrackedReplay = { id: string; started: ReplayStartedDto; dto: ReplayDto | null };

export interface ReplayState {
  /** Whether the replay panel takes the inspector's place. */
  open: boolean;
  form: ReplayFormValues;
  replay: TrackedReplay | null;
  /** The replay's counts as the canvas draws them; null when no result is shown. */
  overlay: ReplayOverlay | null;
  /** The editor revision the replay was started at, to say when the canvas has changed since. */
  revision: number | null;

  setOpen(open: boolean): void;
  setForm(patch: Partial<ReplayFormValues>): void;
  /** Follows a replay the API just accepted (or one found running), dropping the previous result. */
  follow(started: ReplayStartedDto, revision: number | null): void;
  /** Takes a fresh answer of `GET /api/replays/:id`; answers about another replay are ignored. */
  received(dto: ReplayDto): void;
  /** Removes the result and its overlay; the form stays. */
  clear(): void;
}

export type ReplayStore = ReturnType<typeof createReplayStore>;

/**
 * One editor's replay state (docs/editor.md#replay), a store of its own
 * beside the editor and run-status stores (docs/code-style.md, editor
 * stores), so the replay overlay never touches the live one: nodes and edges
 * select only their own entry of `overlay`.
 */
export function createReplayStore() {
  return createStore<ReplayState>()((set, get) => ({
    open: false,
    form: DEFAULT_REPLAY_FORM,
    replay: null,
    overlay: null,
    revision: null,

    setOpen(open) {
      set({ open });
    },

    setForm(patch) {
      set((state) => ({ form: { ...state.form, ...patch } }));
    },

    follow(started, revision) {
      set({ replay: { id: started.id, started, dto: null }, overlay: null, revision });
    },

    received(dto) {
      const replay = get().replay;
      if (!replay || replay.id !== dto.id) return;
      set({ replay: { ...replay, dto }, overlay: replayOverlay(dto) });
    },

    clear() {
      set({ replay: null, overlay: null, revision: null });
    },
  }));
}
