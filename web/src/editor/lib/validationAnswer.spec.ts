import type { FlowGraph, ValidationResult } from '@sluice/contracts';
import { loadGraphValidator } from '@sluice/engine/browser';
import { createEditorStore } from '../store/createEditorStore';
import { toValidationAnswer } from './validationAnswer';
import { withoutPayloadSchemas } from './withoutPayloadSchemas';

/** subscribe "loop" → publish `topic`, as the editor would send it. */
function loopGraph(topic: string): FlowGraph {
  return {
    nodes: [
      { id: 'listen', type: 'subscribe', position: { x: 0, y: 0 }, data: { topic: 'loop' } },
      { id: 'announce', type: 'publish', position: { x: 320, y: 0 }, data: { topic } },
    ],
    edges: [{ id: 'e1', source: 'listen', target: 'announce', sourceHandle: null }],
  };
}

function setup() {
  const store = createEditorStore({ id: 'flow-1', name: 'loop', description: null, version: 1, archived: false, createdAt: '', updatedAt: '', graph: loopGraph('loop') });
  /** What useGraphValidation does with an answer: map it, then hand it to the store for the current revision. */
  const apply = (result: ValidationResult): void => store.getState().setValidation({ ...toValidationAnswer(result), revision: store.getState().revision });
  return { store, apply };
}

describe('validation answers', () => {
  it('keeps an API answer\'s warnings beside its errors, and a valid graph with warnings stays valid', () => {
    const warning = { nodeId: 'announce', message: 'Node "announce" (publish) publishes to "loop", which …' };
    expect(toValidationAnswer({ valid: true, errors: [], warnings: [warning] })).toEqual({ status: 'valid', errors: [], warnings: [warning] });
    const error = { nodeId: 'listen', message: 'Node "listen" (subscribe) needs a topic' };
    expect(toValidationAnswer({ valid: false, errors: [error], warnings: [warning] })).toEqual({ status: 'invalid', errors: [error], warnings: [warning] });
  });

  it('reads an answer without a warnings list as no warnings', () => {
    const older = { valid: true, errors: [] } as unknown as ValidationResult;
    expect(toValidationAnswer(older)).toEqual({ status: 'valid', errors: [], warnings: [] });
  });

  it('carries the engine\'s own loop warning (the offline fallback) into the store, on the publish node, without blocking', async () => {
    const validateGraph = await loadGraphValidator();
    const { store, apply } = setup();
    apply(validateGraph(withoutPayloadSchemas(loopGraph('loop'))));
    const validation = store.getState().validation;
    expect(validation.status).toBe('valid');
    expect(validation.errors).toEqual([]);
    expect(Object.keys(validation.warningsByNode)).toEqual(['announce']);
    expect(validation.warningsByNode['announce']?.[0]).toMatch(/^Node "announce" \(publish\) publishes to "loop", which this flow's own subscribe node "listen"/);
    expect(validation.byNode).toEqual({});

    // A topic the subscribe pattern does not match: the warning goes.
    apply(validateGraph(withoutPayloadSchemas(loopGraph('loop.done'))));
    expect(store.getState().validation).toMatchObject({ status: 'valid', warnings: [], warningsByNode: {} });
  });
});
