import { loadExpressionEvaluator } from '@sluice/engine/browser';
import { useEffect, useMemo, useState } from 'react';
import { useEditorStore } from '../store/EditorStoreContext';
import { useRunStatusStore } from '../store/RunStatusStoreContext';

export type PreviewState =
  | { kind: 'empty' }
  | { kind: 'pending' }
  | { kind: 'sample-invalid'; error: string }
  | { kind: 'ok'; value: unknown }
  | { kind: 'error'; error: string };

/** Milliseconds to wait after the last keystroke before evaluating. */
const DEBOUNCE_MS = 150;

/** The engine's bounded JSONata evaluator, with jsonata itself, loaded when the first preview needs it. */
let evaluator: ReturnType<typeof loadExpressionEvaluator> | undefined;
function loadEvaluator() {
  evaluator ??= loadExpressionEvaluator();
  return evaluator;
}

/**
 * What an expression is evaluated against: the node expression scope
 * (`{ event, steps, input }`, docs/flow-model.md#expressions), or the payload
 * itself, as search keys are (docs/flow-model.md#search-keys).
 */
export type PreviewScope = 'node' | 'payload';

/**
 * Evaluates a JSONata expression in the browser with the engine's own bounded
 * evaluator, against the sample event: in the node scope, with the outputs of
 * the run on display as `steps`, or as the payload itself.
 */
export function useExpressionPreview(source: string | undefined, scope: PreviewScope = 'node'): PreviewState {
  const sampleText = useEditorStore((state) => state.sampleEvent);
  const run = useRunStatusStore((state) => state.run);
  const sample = useMemo((): { ok: true; value: unknown } | { ok: false; error: string } => {
    try {
      return { ok: true, value: JSON.parse(sampleText) as unknown };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }, [sampleText]);
  const steps = useMemo(() => {
    const outputs: Record<string, unknown> = {};
    for (const step of run?.steps ?? []) if (step.output !== undefined) outputs[step.nodeId] = step.output;
    return outputs;
  }, [run]);
  const [state, setState] = useState<PreviewState>({ kind: 'empty' });

  useEffect(() => {
    if (source === undefined || source.trim() === '') return setState({ kind: 'empty' });
    if (!sample.ok) return setState({ kind: 'sample-invalid', error: sample.error });
    let cancelled = false;
    setState((previous) => (previous.kind === 'ok' || previous.kind === 'error' ? previous : { kind: 'pending' }));
    const timer = setTimeout(() => {
      void loadEvaluator()
        .then((evaluate) => evaluate(source, scope === 'payload' ? sample.value : { event: sample.value, steps, input: sample.value }))
        .then(
          (result) => {
            if (cancelled) return;
            setState(result.ok ? { kind: 'ok', value: result.value } : { kind: 'error', error: result.error });
          },
          (error: unknown) => {
            // The chunk failed to load (offline after a deploy, say): say so instead of "Evaluating…" forever.
            evaluator = undefined;
            if (!cancelled) setState({ kind: 'error', error: `Cannot load the expression evaluator: ${error instanceof Error ? error.message : String(error)}` });
          },
        );
    }, DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [source, sample, steps, scope]);

  return state;
}
