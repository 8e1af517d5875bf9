import { loadGraphValidator } from '@sluice/engine/browser';
import { useEffect } from 'react';
import { ApiError } from '../api/ApiError';
import { api } from '../api/client';
import { toValidationAnswer } from './lib/validationAnswer';
import { withoutPayloadSchemas } from './lib/withoutPayloadSchemas';
import { type EditorState, type EditorStore, toFlowGraph, type ValidationAnswer } from './store/createEditorStore';

/** Quiet time after the last edit before asking the API, in ms. */
const DEBOUNCE_MS = 300;

/** The parts of the graph validation looks at (positions and selection do not matter). */
function validationKey(state: EditorState): string {
  return JSON.stringify([
    state.nodes.map((node) => [node.id, node.type, node.data]),
    state.edges.map((edge) => [edge.id, edge.source, edge.target, edge.sourceHandle ?? null]),
  ]);
}

/**
 * Validates the canvas with `POST /api/flows/validate` while editing
 * (debounced, stale answers dropped). When the API cannot be reached, the
 * engine's own `validateGraph` answers instead, so errors and warnings still show.
 */
export function useGraphValidation(store: EditorStore): void {
  useEffect(() => {
    let key = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;

    const check = (state: EditorState): void => {
      const next = validationKey(state);
      if (next === key) {
        // Same content (a move or an undo back to it): the last answer still holds for this revision.
        const validation = store.getState().validation;
        if (validation.revision !== state.revision && validation.status !== 'checking') {
          store.getState().setValidation({ status: validation.status, errors: validation.errors, warnings: validation.warnings, revision: state.revision });
        }
        return;
      }
      key = next;
      const requestKey = next;
      const revision = state.revision;
      /** Applies an answer when it is still about the graph on the canvas, for the current revision. */
      const answer = (found: Omit<ValidationAnswer, 'revision'>): void => {
        if (key !== requestKey) return;
        store.getState().setValidation({ ...found, revision: store.getState().revision });
      };
      const unavailable: Omit<ValidationAnswer, 'revision'> = { status: 'unavailable', errors: [], warnings: [] };
      clearTimeout(timer);
      controller?.abort();
      const { errors, warnings } = store.getState().validation;
      store.getState().setValidation({ status: 'checking', errors, warnings, revision });
      timer = setTimeout(() => {
        const graph = toFlowGraph(state.nodes, state.edges);
        controller = new AbortController();
        api
          .validateGraph(graph, controller.signal)
          .then((result) => answer(toValidationAnswer(result)))
          .catch((error: unknown) => {
            if (error instanceof DOMException && error.name === 'AbortError') return;
            // Signed out: the sign-in screen takes over.
            if (error instanceof ApiError && error.status === 401) return answer(unavailable);
            // The engine's validator pulls every node definition, so it loads only when the API is unreachable.
            loadGraphValidator()
              .then((validateGraph) => answer(toValidationAnswer(validateGraph(withoutPayloadSchemas(graph)))))
              .catch(() => answer(unavailable));
          });
      }, DEBOUNCE_MS);
    };

    check(store.getState());
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.nodes !== previous.nodes || state.edges !== previous.edges || state.revision !== previous.revision) check(state);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
      controller?.abort();
    };
  }, [store]);
}
