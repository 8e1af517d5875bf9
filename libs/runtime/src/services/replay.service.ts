import type {
  FlowGraph, ReplayDto, ReplayEventDetail, ReplayListItem, ReplayStartedDto, ReplayStub, ReplaySubject,
} from '@sluice/contracts';
import {
  compileFlow, describeRun, foldHistory, InvalidFlowError, type CompiledFlow, type CompileOptions, type EngineClock,
} from '@sluice/engine';
import { DomainError } from '../errors/domain-error';
import type { ReplayRecord, ReplayRunQuery } from '../ports/replay-store.port';
import type { StorePort } from '../ports/store.port';
import type { Slot } from '../throughput/concurrency-limit';
import type { FlowCache } from './flow-cache';
import { checkPayloadQuery } from './payload-query';
import { ReplayJob, type ReplayPlan } from './replay-job';
import type { ReplayJobs } from './replay-jobs';
import { REPLAY_LIMITS } from './replay-limits';
import { readSide } from './replayed-side';

/** A replay asked for, its input already checked for shape (docs/rest-api.md#replays). */
export interface ReplayStart {
  flowId: string;
  subject: { graph: FlowGraph } | { version: number };
  /** 1…REPLAY_LIMITS.maxEvents. */
  limit: number;
  /** ISO times bounding the runs' start, both included. */
  from?: string;
  to?: string;
  q?: string;
  stubs: Readonly<Record<string, ReplayStub>>;
}

const NO_EVENTS = { events: 0, changed: 0, failed: 0, unchanged: 0 };

/**
 * Shadow replays of a flow's recorded runs through a draft or another
 * version (docs/replay.md): starts one, checked as a save is, and hands its
 * work to the background; reads replays and their events back. Nothing is
 * written before every check has passed. One replay per flow runs at a
 * time, which the store enforces, and at most SLUICE_REPLAY_MAX_RUNNING in
 * this process, which ReplayJobs counts.
 */
export class ReplayService {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly jobs: ReplayJobs,
    private readonly clock: EngineClock,
    /** The deployment's limits, compiled into a draft as into every saved version. */
    private readonly compileOptions: CompileOptions,
  ) {}

  async start(request: ReplayStart): Promise<ReplayStartedDto> {
    const { flowId } = request;
    if (!(await this.store.getFlow(flowId))) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
    const subject = await this.subject(flowId, request.subject);
    if (request.q !== undefined) checkPayloadQuery(request.q);
    const slot = await this.reserve(flowId);
    let inserted: { plan: ReplayPlan; total: number };
    try {
      inserted = await this.insert(request, subject);
    } catch (error) {
      slot.release();
      throw error;
    }
    const { plan, total } = inserted;
    this.jobs.launch(plan.replayId, slot, (signal) => new ReplayJob(this.store, plan, this.clock, signal).run());
    return { id: plan.replayId, status: 'running', progress: { done: 0, total } };
  }

  /** A replay with its counts so far and every event it has replayed, changed ones first. */
  async get(id: string): Promise<ReplayDto> {
    const replay = await this.store.replays.getReplay(id);
    if (!replay) throw new DomainError('not_found', `Replay ${id} does not exist`);
    const events = await this.store.replays.listReplayEvents(id);
    return {
      id: replay.id, flowId: replay.flowId, status: replay.status, error: replay.error, subject: subjectOf(replay), request: replay.selection,
      progress: { done: replay.done, total: replay.total }, summary: replay.summary, nodes: replay.nodes, edges: replay.edges, events,
      createdAt: replay.createdAt, finishedAt: replay.finishedAt,
    };
  }

  /** The flow's replays kept, newest first. */
  async list(flowId: string): Promise<{ items: ReplayListItem[] }> {
    if (!(await this.store.getFlow(flowId))) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
    return { items: (await this.store.replays.listReplays(flowId, REPLAY_LIMITS.keepPerFlow)).map(listItem) };
  }

  /**
   * One event side by side. The original side is the run's history folded
   * up to the event it was compared with, so it shows what the replay saw
   * even if the run went on since.
   */
  async event(id: string, runId: string): Promise<ReplayEventDetail> {
    const replay = await this.store.replays.getReplay(id);
    if (!replay) throw new DomainError('not_found', `Replay ${id} does not exist`);
    const stored = await this.store.replays.getReplayEvent(id, runId);
    if (!stored) throw new DomainError('not_found', `Replay ${id} has no event of run ${runId}`);
    const original = foldHistory(await this.store.getHistory(runId), stored.originalSeq);
    if (!original) throw new DomainError('not_found', `Run ${runId} does not exist`);
    const graph = (await this.store.getFlow(replay.flowId, original.flowVersion))?.graph;
    const before = describeRun(graph?.edges ?? [], original);
    return { ...stored.summary, payload: original.payload, original: before, replayed: readSide(before, stored.replayed) };
  }

  /** Writes the replay's row, running, with the runs it covers counted; 409 when one of the flow runs already. */
  private async insert(request: ReplayStart, subject: CompiledFlow): Promise<{ plan: ReplayPlan; total: number }> {
    const { flowId } = request;
    // Runs that start from now on are not in this replay: `total` stays what it says.
    const now = this.clock.now().toISOString();
    const to = request.to !== undefined && Date.parse(request.to) < Date.parse(now) ? request.to : now;
    const query: ReplayRunQuery = { flowId, ...(request.from === undefined ? {} : { from: request.from }), to };
    const total = await this.store.replays.countReplayRuns(query, request.limit);
    const selection = { limit: request.limit, from: request.from ?? null, to: request.to ?? null, q: request.q ?? null };
    const subjectVersion = 'version' in request.subject ? request.subject.version : null;
    const created = await this.store.replays.createReplay({ flowId, selection, subjectVersion, total, summary: NO_EVENTS }, REPLAY_LIMITS.keepPerFlow);
    if (!('created' in created)) throw replayRunning(flowId, created.runningId);
    const plan = { replayId: created.created.id, flowId, subject, stubs: request.stubs, query, limit: request.limit, q: request.q };
    return { plan, total };
  }

  /**
   * A place among the replays this process runs, taken before anything is
   * written. With none free, a flow whose own replay is running still gets
   * 409 `replay_running` (it says which replay to follow); any other gets
   * 503 `overloaded`. Either way nothing is written.
   */
  private async reserve(flowId: string): Promise<Slot> {
    const slot = this.jobs.reserve();
    if (slot) return slot;
    // The flow's running replay, if any, is its newest: none is inserted while one runs.
    const [newest] = await this.store.replays.listReplays(flowId, 1);
    if (newest?.status === 'running') throw replayRunning(flowId, newest.id);
    throw this.jobs.refusal();
  }

  /** A draft is validated (as a save would be) and compiled; a version must exist. */
  private async subject(flowId: string, subject: ReplayStart['subject']): Promise<CompiledFlow> {
    try {
      if ('graph' in subject) return compileFlow(flowId, 0, subject.graph, this.compileOptions);
      const flow = await this.flows.version(flowId, subject.version);
      if (!flow) throw new DomainError('not_found', `Flow ${flowId} has no version ${subject.version}`);
      return flow;
    } catch (error) {
      // A saved version that breaks a rule made after it was saved cannot run either, in a replay or for real.
      if (error instanceof InvalidFlowError) throw new DomainError('invalid_graph', 'The graph is not valid', { errors: error.errors });
      throw error;
    }
  }
}

function replayRunning(flowId: string, runningId: string | undefined): DomainError {
  const which = runningId === undefined ? '' : ` (${runningId})`;
  return new DomainError('replay_running', `A replay of flow ${flowId} is running${which}; start another once it has finished`, {
    replayId: runningId ?? null,
  });
}

function subjectOf(replay: ReplayRecord): ReplaySubject {
  return replay.subjectVersion === null ? { draft: true } : { version: replay.subjectVersion };
}

function listItem(replay: ReplayRecord): ReplayListItem {
  return {
    id: replay.id, status: replay.status, progress: { done: replay.done, total: replay.total }, summary: replay.summary,
    createdAt: replay.createdAt, finishedAt: replay.finishedAt, subject: subjectOf(replay),
  };
}
