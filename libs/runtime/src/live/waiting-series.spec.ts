import { bottleneckReason, cappedReason, heaviestNode, pickBottleneck, WaitingSeries, waitingTrends, type NodeWaiting, type WaitingSample } from './waiting-series';

const FLOORS = { minGrowth: 3, minWaiting: 3, minSpanSec: 2 };

/** A sample at `sec` seconds: each node's in-flight figure, or [inFlight, retriesWaiting]. */
function sample(sec: number, nodes: Record<string, number | [number, number]>): WaitingSample {
  const figures = new Map<string, NodeWaiting>();
  for (const [nodeId, value] of Object.entries(nodes)) {
    const [inFlight, retriesWaiting] = typeof value === 'number' ? [value, 0] : value;
    figures.set(nodeId, { inFlight, retriesWaiting });
  }
  return { at: sec * 1000, nodes: figures };
}

function setup(samples: WaitingSample[]) {
  const trends = waitingTrends(samples, 1000);
  return { trends, bottleneck: trends === undefined ? undefined : pickBottleneck(trends.values(), FLOORS) };
}

describe('WaitingSeries', () => {
  it('keeps at most one sample per gap', () => {
    const series = new WaitingSeries(10_000, 1000);
    expect(series.add(sample(0, { a: 1 }))).toBe(true);
    expect(series.add({ ...sample(0, { a: 2 }), at: 999 })).toBe(false);
    expect(series.add(sample(1, { a: 3 }))).toBe(true);
    expect(series.samples().map((kept) => kept.at)).toEqual([0, 1000]);
  });

  it('drops samples older than the window, so memory stays bounded however long it is asked', () => {
    const series = new WaitingSeries(10_000, 1000);
    for (let sec = 0; sec <= 60; sec++) series.add(sample(sec, { a: sec }));
    expect(series.samples().map((kept) => kept.at / 1000)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
  });
});

describe('waitingTrends', () => {
  it('knows no trend until the samples span the least time', () => {
    expect(setup([]).trends).toBeUndefined();
    expect(setup([sample(0, { a: 1 })]).trends).toBeUndefined();
    expect(setup([sample(0, { a: 1 }), { ...sample(0, { a: 9 }), at: 500 }]).trends).toBeUndefined();
  });

  it('fits the slope per second of in-flight work plus waiting retries, reading a missing node as none', () => {
    const { trends } = setup([sample(0, {}), sample(1, { a: [2, 1] }), sample(2, { a: [4, 2] }), sample(3, { a: [6, 3] })]);
    const a = trends?.get('a');
    expect(a?.perSec).toBeCloseTo(3);
    expect(a?.grewBy).toBeCloseTo(9);
    expect(a?.overSec).toBe(3);
    expect(a?.latest).toEqual({ inFlight: 6, retriesWaiting: 3 });
    expect(a?.inFlightGrew).toBe(6);
    expect(a?.retriesGrew).toBe(3);
  });

  it('gives a flat node a zero slope, and a draining one a negative slope', () => {
    const { trends } = setup([sample(0, { flat: 5, draining: 20 }), sample(1, { flat: 5, draining: 10 }), sample(2, { flat: 5, draining: 0 })]);
    expect(trends?.get('flat')?.perSec).toBe(0);
    expect(trends?.get('draining')?.perSec).toBeCloseTo(-10);
  });
});

describe('pickBottleneck', () => {
  it('names the node whose waiting work grew most', () => {
    const { bottleneck } = setup([sample(0, { a: 5, b: 5 }), sample(5, { a: 10, b: 35 }), sample(10, { a: 15, b: 65 })]);
    expect(bottleneck?.nodeId).toBe('b');
    expect(bottleneck?.grewBy).toBeCloseTo(60);
  });

  it('names none when nothing grows', () => {
    expect(setup([sample(0, { a: 50 }), sample(5, { a: 50 }), sample(10, { a: 40 })]).bottleneck).toBeUndefined();
    expect(setup([sample(0, {}), sample(10, {})]).bottleneck).toBeUndefined();
  });

  it('names none for growth below the floor, or for a node that holds less than the floor now', () => {
    expect(setup([sample(0, { a: 10 }), sample(10, { a: 12 })]).bottleneck).toBeUndefined();
    const fellBack = setup([sample(0, { a: 0 }), sample(9, { a: 20 }), sample(10, { a: 2 })]);
    expect(fellBack.trends?.get('a')?.grewBy).toBeGreaterThan(3);
    expect(fellBack.bottleneck).toBeUndefined();
    expect(setup([sample(0, { a: 0 }), sample(10, { a: 3 })]).bottleneck?.nodeId).toBe('a');
  });

  it('names none over samples spanning less than the least span', () => {
    expect(setup([sample(0, { a: 0 }), sample(1, { a: 30 })]).bottleneck).toBeUndefined();
    expect(setup([sample(0, { a: 0 }), sample(1, { a: 15 }), sample(2, { a: 30 })]).bottleneck?.nodeId).toBe('a');
  });

  it('breaks a tie by the work held now', () => {
    const { bottleneck } = setup([sample(0, { a: 0, b: 10 }), sample(10, { a: 10, b: 20 })]);
    expect(bottleneck?.nodeId).toBe('b');
  });
});

describe('bottleneckReason', () => {
  it('says what grew, by how much, in how long, against what finished', () => {
    const { bottleneck } = setup([sample(0, { call: 0 }), sample(10, { call: 30 })]);
    if (bottleneck === undefined) throw new Error('no bottleneck');
    expect(bottleneckReason(bottleneck, 2.04)).toBe('in-flight work grew by 30 in 10 s while 2/s finished');
  });

  it('speaks of waiting retries when they grew more than the work in flight', () => {
    const { bottleneck } = setup([sample(0, { call: [2, 0] }), sample(10, { call: [1, 20] })]);
    if (bottleneck === undefined) throw new Error('no bottleneck');
    expect(bottleneckReason(bottleneck, 0.25)).toBe('waiting retries grew by 19 in 10 s while 0.3/s finished');
  });
});

describe('heaviestNode', () => {
  it('names the node holding the most waiting work, at least the floor', () => {
    const nodes = sample(0, { a: 4, b: [3, 5], c: 1 }).nodes;
    expect(heaviestNode(nodes, 3)?.[0]).toBe('b');
    expect(heaviestNode(nodes, 9)).toBeUndefined();
    expect(heaviestNode(new Map(), 0)).toBeUndefined();
  });

  it('says how much waits among the runs read', () => {
    expect(cappedReason({ inFlight: 4990, retriesWaiting: 10 }, 5000, 12.34))
      .toBe('5000 steps wait here in the newest 5000 running runs, and more runs are running, while 12.3/s finished');
  });
});
