import type { FlowGraph, ReplayEventSummary, ReplayStub } from '@sluice/contracts';
import {
  compareRuns, describeRun, foldHistory, replayRun, ReplayTally, type CompiledFlow, type EngineClock,
} from '@sluice/engine';
import type { ReplayEventRecord, ReplayInput, ReplayRunQuery } from '../ports/replay-store.port';
import type { StorePort } from '../ports/store.port';
import { payloadMatches } from './payload-query';
import { RUN_QUERY_LIMITS } from './run-search.service';
import { REPLAY_LIMITS } from './replay-limits';
import { storedSide } from './replayed-side';

/** Everything one replay needs to run in the background. */
export interface ReplayPlan {
  replayId: string;
  flowId: string;
  /** The draft or version the events run through. */
  subject: CompiledFlow;
  stubs: Readonly<Record<string, ReplayStub>>;
  /** The runs in range; `to` is never later than the replay's start. */
  query: ReplayRunQuery;
  limit: number;
  q: string | undefined;
}

/** Thrown into a replay's work when its process stops; the replay is failed as interrupted. */
export class ReplayStopped extends Error {
  constructor() {
    super('interrupted: the process running the replay stopped');
    this.name = 'ReplayStopped';
  }
}

/**
 * One replay's work (docs/replay.md): select the runs, newest first (with
 * `q`, by a bounded scan of their payloads), then replay them a chunk at a
 * time: read their histories, play each through the subject with the
 * engine, compare, and write the chunk's events with the counts so far in
 * one statement. It yields to other work after every event, and stops there
 * when `signal` aborts. Reads runs and history; writes only the replay's
 * own rows.
 */
export class ReplayJob {
  private readonly graphs = new Map<number, Promise<FlowGraph | undefined>>();

  constructor(
    private readonly store: StorePort,
    private readonly plan: ReplayPlan,
    private readonly clock: EngineClock,
    private readonly signal: AbortSignal,
  ) {}

  /** Runs the replay to its end. False when it was found no longer running (interrupted elsewhere) and stopped. */
  async run(): Promise<boolean> {
    this.checkStopped();
    const { replays } = this.store;
    const ids = await this.select();
    const tally = new ReplayTally(this.plan.subject.graph);
    const ordinals = new Map(ids.map((id, index) => [id, index]));
    const progress = () => ({ total: ids.length, summary: tally.summary(), nodes: tally.nodeStats(), edges: tally.edgeStats() });
    if (!(await replays.writeReplayProgress(this.plan.replayId, { done: 0, events: [], ...progress() }))) return false;
    for (let done = 0; done < ids.length;) {
      const { inputs, consumed } = await replays.readReplayInputs(ids.slice(done, done + REPLAY_LIMITS.eventsPerChunk));
      const events: ReplayEventRecord[] = [];
      for (const input of inputs) {
        events.push(await this.replayOne(input, ordinals.get(input.runId) ?? 0, tally));
        await nextTurn();
        this.checkStopped();
      }
      done += Math.max(1, consumed);
      if (!(await replays.writeReplayProgress(this.plan.replayId, { done: Math.min(done, ids.length), events, ...progress() }))) return false;
    }
    return true;
  }

  /** The runs to replay, newest first: the newest `limit` in range, or with `q` the newest that match among those a bounded scan examines. */
  private async select(): Promise<string[]> {
    const { query, limit, q } = this.plan;
    if (q === undefined) return this.store.replays.listReplayRuns(query, limit);
    const started = this.clock.now().getTime();
    const matched: string[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    for (;;) {
      const read = await this.store.replays.scanReplayRuns(query, cursor, REPLAY_LIMITS.runsPerScanRead);
      for (const run of read.runs) {
        scanned += 1;
        cursor = run.cursor;
        if (await payloadMatches(q, run.payload, RUN_QUERY_LIMITS.perRunTimeoutMs)) matched.push(run.id);
        if (matched.length >= limit) return matched;
      }
      const outOfTime = this.clock.now().getTime() - started >= REPLAY_LIMITS.maxScanMs;
      if (!read.more || scanned >= REPLAY_LIMITS.maxScannedRuns || outOfTime) return matched;
      await nextTurn();
      this.checkStopped();
    }
  }

  private async replayOne(input: ReplayInput, ordinal: number, tally: ReplayTally): Promise<ReplayEventRecord> {
    const original = foldHistory(input.history);
    if (!original) throw new Error(`run ${input.runId} has no history to replay`);
    const originalGraph = await this.graphOf(original.flowVersion);
    const recordedHttpNodes = new Set((originalGraph?.nodes ?? []).filter((node) => node.type === 'http').map((node) => node.id));
    const replayed = await replayRun(this.plan.subject, input.history, { recordedHttpNodes, stubs: this.plan.stubs });
    const before = describeRun(originalGraph?.edges ?? [], original);
    const after = describeRun(this.plan.subject.graph.edges, replayed.state);
    const comparison = compareRuns(before, after);
    tally.add({ originalEdges: originalGraph?.edges ?? [], before, after, comparison });
    const summary: ReplayEventSummary = {
      runId: original.id, eventId: original.eventId, flowVersion: original.flowVersion, startedAt: original.startedAt,
      changed: comparison.changed, pathChanged: comparison.pathChanged, outputsChanged: comparison.outputsChanged,
      statusBefore: before.status, statusAfter: after.status, failedNodes: comparison.failedNodes,
    };
    return {
      ordinal, summary, originalSeq: original.lastSeq,
      replayed: storedSide(before, { ...after, publishes: replayed.publishes, delays: replayed.delays }),
    };
  }

  /** The graph of a version of the flow (the one an original run followed), read once per replay. */
  private graphOf(version: number): Promise<FlowGraph | undefined> {
    let graph = this.graphs.get(version);
    if (!graph) {
      graph = this.store.getFlow(this.plan.flowId, version).then((record) => record?.graph);
      this.graphs.set(version, graph);
    }
    return graph;
  }

  private checkStopped(): void {
    if (this.signal.aborted) throw new ReplayStopped();
  }
}

/** Lets timers, I/O and other requests run before the next event. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
