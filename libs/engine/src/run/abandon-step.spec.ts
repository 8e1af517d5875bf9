import { flowGraph } from '../testing/graph-builder';
import { httpResponse, RunHarness } from '../testing/run-harness';
import { abandonStep } from './abandon-step';
import { redriveStep } from './redrive-step';

describe('abandonStep', () => {
  const reason = { code: 'delivery_limit', message: 'delivered 5 times; last error: boom\u0000', retryable: true };
  const setup = async () => {
    const h = RunHarness.of(flowGraph(
      [['t', 'trigger'], ['h', 'http', { url: 'https://x.test', method: 'GET', retry: { maxAttempts: 3 } }], ['ok', 'end'], ['caught', 'end']],
      [['t', 'h'], ['h', 'ok'], ['h', 'caught', 'error']],
    ));
    await h.start();
    return h;
  };
  const message = (attempt: number) => ({ kind: 'step', runId: 'run-1', nodeId: 'h', attempt }) as const;

  it('dead-letters the step with the cause, final and storable, without following its error edge, and fails the run', async () => {
    const h = await setup();
    const transition = h.record(abandonStep(h.flow, h.state, message(1), reason, h.clock));
    expect(h.types(transition)).toEqual(['StepStarted:h', 'StepFailed:h', 'StepDeadLettered:h', 'RunFailed']);
    const error = { code: 'delivery_limit', message: 'delivered 5 times; last error: boom\ufffd', retryable: false };
    expect(h.step('h')).toMatchObject({ status: 'dead', attempts: 1, error });
    expect(transition.commands).toEqual([{ kind: 'deadLetter', deadLetterId: 'dl-1', nodeId: 'h', attempts: 1, error }]);
    expect(h.state.status).toBe('failed');
  });

  it('counts the attempt it gives up on, after earlier retries', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(503));
    h.record(abandonStep(h.flow, h.state, message(2), reason, h.clock));
    expect(h.step('h')).toMatchObject({ status: 'dead', attempts: 2 });
  });

  it('changes nothing for a message that is no longer live', async () => {
    const h = await setup();
    await h.deliver('h', 1, httpResponse(200));
    const before = h.state;
    expect(abandonStep(h.flow, before, message(1), reason, h.clock)).toEqual({ state: before, events: [], commands: [] });
    expect(abandonStep(h.flow, before, message(2), reason, h.clock).events).toEqual([]);
  });

  it('leaves a dead letter an operator can redrive', async () => {
    const h = await setup();
    h.record(abandonStep(h.flow, h.state, message(1), reason, h.clock));
    const redriven = redriveStep(h.flow, h.state, 'h', 'redrive', h.clock);
    if ('error' in redriven) throw new Error(redriven.message);
    h.record(redriven);
    await h.deliver('h', 1, httpResponse(200));
    expect(h.state.status).toBe('succeeded');
  });
});
