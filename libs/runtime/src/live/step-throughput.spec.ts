import type { HistoryEvent, StreamNotice } from '@sluice/contracts';
import { StepThroughput } from './step-throughput';

const T0 = 1_700_000_000_000;

function finished(flowId: string, ...nodes: [nodeId: string, type?: 'StepSucceeded' | 'StepFailed'][]): StreamNotice {
  const events = nodes.map(([nodeId, type = 'StepSucceeded'], index) => ({
    runId: 'r', seq: index + 1, type, nodeId, at: new Date(T0).toISOString(), data: {},
  }) as unknown as HistoryEvent);
  return { kind: 'run.changed', runId: 'r', flowId, flowVersion: 1, status: 'running', events };
}

function setup(windowSec = 10, maxNodesPerFlow?: number) {
  const throughput = new StepThroughput(windowSec, maxNodesPerFlow);
  throughput.watch('f', T0);
  return { throughput };
}

describe('StepThroughput', () => {
  it('counts succeeded and failed steps per node, and nothing else', () => {
    const { throughput } = setup();
    const notice = finished('f', ['call'], ['call', 'StepFailed'], ['done']);
    notice.events.push({ runId: 'r', seq: 9, type: 'StepScheduled', nodeId: 'call', at: '', data: { attempt: 2 } });
    throughput.record(notice, T0 + 10_000);

    const rates = throughput.rates('f', T0 + 10_000);
    expect(rates?.observedSec).toBe(9);
    expect(rates?.perNode.get('call')).toBeCloseTo(2 / 9);
    expect(rates?.perNode.get('done')).toBeCloseTo(1 / 9);
  });

  it('divides by the time counted so far while the window is not yet full, never by less than a second', () => {
    const { throughput } = setup();
    throughput.record(finished('f', ['call'], ['call'], ['call'], ['call']), T0 + 200);
    expect(throughput.rates('f', T0 + 400)?.perNode.get('call')).toBe(4);
    expect(throughput.rates('f', T0 + 2000)?.perNode.get('call')).toBe(2);
  });

  it('slides: steps older than the window no longer count', () => {
    const { throughput } = setup(10);
    throughput.record(finished('f', ['call'], ['call']), T0 + 1_000);
    throughput.record(finished('f', ['call']), T0 + 5_000);
    expect(throughput.rates('f', T0 + 10_500)?.perNode.get('call')).toBeCloseTo(3 / 9.5);
    expect(throughput.rates('f', T0 + 11_000)?.perNode.get('call')).toBeCloseTo(1 / 9);
    expect(throughput.rates('f', T0 + 15_000)?.perNode.has('call')).toBe(false);
  });

  it('reuses a slot for a later second from zero', () => {
    const { throughput } = setup(10);
    throughput.record(finished('f', ['call'], ['call'], ['call']), T0 + 3_000);
    throughput.record(finished('f', ['call']), T0 + 13_000);
    expect(throughput.rates('f', T0 + 13_000)?.perNode.get('call')).toBeCloseTo(1 / 9);
  });

  it('counts only watched flows, and forgets a flow unwatched', () => {
    const { throughput } = setup();
    throughput.record(finished('other', ['call']), T0 + 1_000);
    expect(throughput.rates('other', T0 + 1_000)).toBeUndefined();
    expect(throughput.watched).toBe(1);

    throughput.record(finished('f', ['call']), T0 + 1_000);
    throughput.unwatch('f');
    expect(throughput.watched).toBe(0);
    throughput.watch('f', T0 + 2_000);
    expect(throughput.rates('f', T0 + 2_000)?.perNode.size).toBe(0);
  });

  it('holds at most maxNodesPerFlow nodes in a second, keeping the counts of those it holds', () => {
    const { throughput } = setup(10, 2);
    throughput.record(finished('f', ['a'], ['b'], ['c'], ['a']), T0 + 1_000);
    const rates = throughput.rates('f', T0 + 1_000);
    expect([...(rates?.perNode.keys() ?? [])].sort()).toEqual(['a', 'b']);
    expect(rates?.perNode.get('a')).toBe(2);
  });
});
