/** A node's waiting work in one sample. */
export interface NodeWaiting {
  inFlight: number;
  retriesWaiting: number;
}

/** A flow's work in progress by node at one time (epoch ms); a node absent has none. */
export interface WaitingSample {
  at: number;
  nodes: ReadonlyMap<string, NodeWaiting>;
}

/**
 * A flow's recent samples of waiting work, kept to find the node where work
 * backs up: at most one per `minGapMs`, and only those of the last
 * `windowMs`, so a flow holds at most `windowMs / minGapMs + 1` samples.
 */
export class WaitingSeries {
  private kept: WaitingSample[] = [];

  constructor(
    /** The span of samples kept, in ms. */
    private readonly windowMs: number,
    /** Least time between two samples, in ms. */
    private readonly minGapMs: number,
  ) {}

  /** Adds a sample unless the last one is less than `minGapMs` older; drops those older than the window. */
  add(sample: WaitingSample): boolean {
    const last = this.kept.at(-1);
    if (last !== undefined && sample.at - last.at < this.minGapMs) return false;
    this.kept.push(sample);
    this.kept = this.kept.filter((kept) => sample.at - kept.at <= this.windowMs);
    return true;
  }

  /** The samples of the window, oldest first. */
  samples(): readonly WaitingSample[] {
    return this.kept;
  }
}

/** How one node's waiting work moved over a series of samples. */
export interface WaitingTrend {
  nodeId: string;
  /** Least-squares slope of `inFlight + retriesWaiting`, per second. */
  perSec: number;
  /** `perSec` over the span of the samples: the growth the fit sees. */
  grewBy: number;
  /** Time the samples span, in s. */
  overSec: number;
  /** The last sample's figures. */
  latest: NodeWaiting;
  /** Of the growth, how much was in flight and how much waiting retries (last sample minus first). */
  inFlightGrew: number;
  retriesGrew: number;
}

const total = (waiting: NodeWaiting | undefined): number => (waiting === undefined ? 0 : waiting.inFlight + waiting.retriesWaiting);

/**
 * Each node's trend over samples spanning at least `minSpanMs`, first to
 * last; undefined when they span less (no trend is known yet). A node
 * missing from a sample had nothing waiting then; one missing from every
 * sample has no trend, which reads as flat. The slope is a least-squares
 * fit, so one odd sample moves it little.
 */
export function waitingTrends(samples: readonly WaitingSample[], minSpanMs: number): Map<string, WaitingTrend> | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (first === undefined || last === undefined || last.at - first.at < minSpanMs) return undefined;
  const trends = new Map<string, WaitingTrend>();
  const nodeIds = new Set(samples.flatMap((sample) => [...sample.nodes.keys()]));
  const times = samples.map((sample) => (sample.at - first.at) / 1000);
  const meanTime = times.reduce((sum, t) => sum + t, 0) / times.length;
  const spread = times.reduce((sum, t) => sum + (t - meanTime) ** 2, 0);
  const overSec = times.at(-1) ?? 0;
  for (const nodeId of nodeIds) {
    const values = samples.map((sample) => total(sample.nodes.get(nodeId)));
    const meanValue = values.reduce((sum, v) => sum + v, 0) / values.length;
    const covariance = values.reduce((sum, v, i) => sum + ((times[i] ?? 0) - meanTime) * (v - meanValue), 0);
    const perSec = spread === 0 ? 0 : covariance / spread;
    const firstFigures = first.nodes.get(nodeId);
    const latest = last.nodes.get(nodeId) ?? { inFlight: 0, retriesWaiting: 0 };
    trends.set(nodeId, {
      nodeId, perSec, grewBy: perSec * overSec, overSec, latest,
      inFlightGrew: latest.inFlight - (firstFigures?.inFlight ?? 0),
      retriesGrew: latest.retriesWaiting - (firstFigures?.retriesWaiting ?? 0),
    });
  }
  return trends;
}

/** How much a node's waiting work must grow, and hold, to be called the bottleneck. */
export interface BottleneckFloors {
  /** Least growth over the window, in steps. */
  minGrowth: number;
  /** Least waiting work in the last sample, in steps: a queue of one or two that rises and falls is no bottleneck. */
  minWaiting: number;
  /** Least time the samples span, in s: one second of a burst is no trend to name a node for. */
  minSpanSec: number;
}

/**
 * The node whose waiting work grew most over the window, among those that
 * grew by at least `minGrowth` over at least `minSpanSec` and still hold at
 * least `minWaiting`; ties go to the node holding more. Undefined when
 * nothing grows.
 */
export function pickBottleneck(trends: Iterable<WaitingTrend>, floors: BottleneckFloors): WaitingTrend | undefined {
  let best: WaitingTrend | undefined;
  for (const trend of trends) {
    if (trend.overSec < floors.minSpanSec || trend.grewBy < floors.minGrowth || total(trend.latest) < floors.minWaiting) continue;
    if (best === undefined || trend.grewBy > best.grewBy || (trend.grewBy === best.grewBy && total(trend.latest) > total(best.latest))) best = trend;
  }
  return best;
}

/**
 * The node holding the most waiting work, at least `minWaiting`; ties go to
 * the first. For a read that stopped at its bound, where work can no longer
 * be seen to grow.
 */
export function heaviestNode(nodes: ReadonlyMap<string, NodeWaiting>, minWaiting: number): [string, NodeWaiting] | undefined {
  let best: [string, NodeWaiting] | undefined;
  for (const entry of nodes) {
    if (total(entry[1]) >= minWaiting && (best === undefined || total(entry[1]) > total(best[1]))) best = entry;
  }
  return best;
}

/** The bottleneck in words: what grew, by how much, in how long, against what finished. */
export function bottleneckReason(trend: WaitingTrend, finishedPerSec: number): string {
  const what = trend.retriesGrew > trend.inFlightGrew ? 'waiting retries' : 'in-flight work';
  return `${what} grew by ${Math.round(trend.grewBy)} in ${Math.round(trend.overSec)} s while ${round1(finishedPerSec)}/s finished`;
}

/** The bottleneck of a capped read in words: how much waits there among the runs read, against what finished. */
export function cappedReason(waiting: NodeWaiting, runsRead: number, finishedPerSec: number): string {
  return `${total(waiting)} steps wait here in the newest ${runsRead} running runs, and more runs are running, while ${round1(finishedPerSec)}/s finished`;
}

/** A figure to one decimal, as people read rates. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
