import { flowGraph } from '../testing/graph-builder';
import { httpResponse, RunHarness } from '../testing/run-harness';
import { runPath } from './run-path';

describe('runPath', () => {
  const setup = () => RunHarness.of(flowGraph(
    [
      ['in', 'trigger'],
      ['big', 'filter', { condition: 'event.amount > 100' }],
      ['call', 'http', { url: 'https://x.test/', method: 'GET' }],
      ['fallback', 'transform', { expression: '"fallback"' }],
      ['small', 'transform', { expression: '"small"' }],
      ['join', 'end'],
    ],
    [['in', 'big'], ['big', 'call', 'yes'], ['big', 'small', 'no'], ['call', 'join'], ['call', 'fallback', 'error'], ['fallback', 'join'], ['small', 'join']],
  ));

  it('takes the edges a step left by whose target was scheduled, not those to skipped targets', async () => {
    const h = setup();
    await h.start({ amount: 5 });
    expect(h.statuses()).toMatchObject({ big: 'succeeded', call: 'skipped', fallback: 'skipped', small: 'succeeded', join: 'succeeded' });
    expect(runPath(h.flow.graph.edges, h.state.steps)).toEqual(['in-big', 'big-small', 'small-join']);
  });

  it('takes the error edge of a caught failure, and counts a merge reached twice by both edges', async () => {
    const h = setup();
    await h.start({ amount: 500 });
    await h.deliver('call', 1, httpResponse(404));
    expect(h.statuses()).toMatchObject({ call: 'failed', fallback: 'succeeded', join: 'succeeded' });
    expect(runPath(h.flow.graph.edges, h.state.steps)).toEqual(['in-big', 'big-call', 'call-fallback', 'fallback-join']);

    const ok = setup();
    await ok.start({ amount: 500 });
    await ok.deliver('call', 1, httpResponse(200));
    expect(runPath(ok.flow.graph.edges, ok.state.steps)).toEqual(['in-big', 'big-call', 'call-join']);
  });

  it('takes nothing from a step still in flight', async () => {
    const h = setup();
    await h.start({ amount: 500 });
    expect(runPath(h.flow.graph.edges, h.state.steps)).toEqual(['in-big', 'big-call']);
  });
});
