import { DEFAULT_PUBLISH_LIMITS, type EngineClock, type PublishLimits } from '@sluice/engine';
import { systemClock } from './clock/system-clock';
import type { BrokerPort } from './ports/broker.port';
import type { HttpCaller } from './ports/http-caller.port';
import type { Logger } from './ports/logger.port';
import type { StorePort } from './ports/store.port';
import { LiveTopologyService } from './live/live-topology.service';
import { DEFAULT_MAX_DELIVERIES } from './services/delivery-limit';
import { EventIngestHandler } from './services/event-ingest.handler';
import { FlowCache } from './services/flow-cache';
import { FlowService } from './services/flow.service';
import { OutboxRelay, type OutboxRelayOptions } from './services/outbox-relay';
import { ReplayService } from './services/replay.service';
import { ReplayJobs } from './services/replay-jobs';
import { DEFAULT_MAX_RUNNING_REPLAYS, REPLAY_LIMITS } from './services/replay-limits';
import { RunCommitter } from './services/run-committer';
import { RunControlService } from './services/run-control.service';
import { RunQueryService } from './services/run-query.service';
import { DEFAULT_MAX_PAYLOAD_SCANS, RUN_QUERY_LIMITS, RunSearchService } from './services/run-search.service';
import { RuntimeMetrics } from './services/runtime-metrics';
import { StepExecutor } from './services/step-executor';
import { TimerScheduler } from './services/timer-scheduler';
import { TriggerService } from './services/trigger.service';
import { BacklogGate, SampledBacklog } from './throughput/backlog-gate';
import { ConcurrencyLimit } from './throughput/concurrency-limit';

export interface RuntimeOptions {
  store: StorePort;
  broker: BrokerPort;
  http: HttpCaller;
  logger: Logger;
  /**
   * Do a worker's work in this process: fire timers. The step and event
   * messages themselves reach `executor` and `ingest` through a transport
   * that consumes the broker (libs/platform).
   */
  worker: boolean;
  clock?: EngineClock;
  relay?: Partial<OutboxRelayOptions>;
  /** Largest output a step may record, as UTF-8 JSON, in bytes (SLUICE_MAX_STEP_OUTPUT; default 1 MiB). */
  maxStepOutputBytes?: number;
  /** Deliveries of one step message that may fail before its step is dead-lettered (SLUICE_MAX_DELIVERIES; default 5). */
  maxDeliveries?: number;
  /** Largest payload of an event from outside, as UTF-8 JSON, in bytes; larger ones are dropped at ingest (SLUICE_MAX_BODY). Unset: no bound. */
  maxEventBytes?: number;
  /** Deepest nesting of an outside event's payload, in levels; deeper ones are dropped at ingest (SLUICE_MAX_JSON_DEPTH). Unset: no bound. */
  maxEventDepth?: number;
  /** How far publish chains may go (default 8 hops, 1,000 runs per originating event). */
  publishLimits?: PublishLimits;
  backpressure?: Partial<BackpressureOptions>;
  /** Run searches by `q` scanning payloads at once in this process; more get 503 `overloaded` (SLUICE_SEARCH_MAX_SCANS; default 4). */
  maxPayloadScans?: number;
  /** Replays running at once in this process, across flows; more get 503 `overloaded` (SLUICE_REPLAY_MAX_RUNNING; default 2). */
  maxRunningReplays?: number;
}

/** How triggers are held back when work is accepted faster than it is done (docs/guarantees.md#backpressure). */
export interface BackpressureOptions {
  /**
   * Work accepted and not yet done (outbox rows plus messages waiting in the
   * broker's queues) at which triggers wait, in messages (SLUICE_MAX_BACKLOG).
   */
  maxBacklog: number;
  /**
   * Longest the backlog may take to drain at the rate it has been draining,
   * in ms (SLUICE_MAX_BACKLOG_DRAIN_MS); past it triggers wait too. 0: no such bound.
   */
  maxDrainMs: number;
  /** Longest a trigger waits at the bound before it is refused with 503 `overloaded`, in ms (SLUICE_BACKPRESSURE_WAIT_MS). */
  maxWaitMs: number;
  /** Time between reads of the outbox count, in ms; the broker reads its queue depth on its own clock. */
  readEveryMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureOptions = { maxBacklog: 500, maxDrainMs: 2500, maxWaitMs: 2000, readEveryMs: 250 };

/**
 * The application services wired over one store and one broker. Apps create
 * one and expose it through their own framework; nothing here knows Nest.
 */
export class Runtime {
  readonly flowCache: FlowCache;
  readonly flows: FlowService;
  readonly triggers: TriggerService;
  readonly queries: RunQueryService;
  readonly search: RunSearchService;
  /** Live figures of a flow: where its work is and where it backs up (docs/live-topology.md). */
  readonly live: LiveTopologyService;
  readonly control: RunControlService;
  readonly metrics: RuntimeMetrics;
  readonly relay: OutboxRelay;
  readonly scheduler: TimerScheduler;
  readonly executor: StepExecutor;
  readonly ingest: EventIngestHandler;
  readonly replays: ReplayService;
  /** The replays running in this process, and the sweep that fails those a stopped process left running. */
  readonly replayJobs: ReplayJobs;
  readonly backlog: SampledBacklog;
  readonly gate: BacklogGate;

  constructor(private readonly options: RuntimeOptions) {
    const { store, broker, logger } = options;
    const clock = options.clock ?? systemClock;
    this.flowCache = new FlowCache(store, undefined, { maxStepOutputBytes: options.maxStepOutputBytes });
    this.relay = new OutboxRelay(store, broker, logger.child({ component: 'OutboxRelay' }), options.relay);
    this.metrics = new RuntimeMetrics(() => store.outboxBacklog());
    [this.backlog, this.gate] = this.backpressure({ ...DEFAULT_BACKPRESSURE, ...options.backpressure });
    const committer = new RunCommitter(store, this.flowCache, this.relay, broker, this.metrics, clock, options.publishLimits ?? DEFAULT_PUBLISH_LIMITS);
    this.flows = new FlowService(store, this.flowCache);
    this.triggers = new TriggerService(this.flowCache, committer, clock, this.gate, broker.maxMessageBytes);
    this.queries = new RunQueryService(store);
    const [scans, replaysRunning] = this.workLimits();
    this.search = new RunSearchService(store, this.flowCache, clock, scans);
    this.live = new LiveTopologyService(store, this.flowCache, broker, clock);
    this.control = new RunControlService(store, this.flowCache, committer, clock);
    this.scheduler = new TimerScheduler(store, this.relay, logger.child({ component: 'TimerScheduler' }));
    this.executor = new StepExecutor(store, this.flowCache, committer, options.http, clock, logger.child({ component: 'StepExecutor' }), {
      maxDeliveries: options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES,
    });
    this.ingest = new EventIngestHandler(committer, store, logger.child({ component: 'EventIngest' }), {
      maxDeliveries: options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES,
      ...(options.maxEventBytes === undefined ? {} : { maxPayloadBytes: options.maxEventBytes }),
      ...(options.maxEventDepth === undefined ? {} : { maxPayloadDepth: options.maxEventDepth }),
    });
    this.replayJobs = new ReplayJobs(store.replays, logger.child({ component: 'Replays' }), replaysRunning);
    this.replays = new ReplayService(store, this.flowCache, this.replayJobs, clock, { maxStepOutputBytes: options.maxStepOutputBytes });
  }

  /**
   * The bounds on reads that cost this process CPU for seconds each: payload
   * scans and replays. One caller asking for many at once cannot take the
   * process from the requests beside them (docs/security.md).
   */
  private workLimits(): [ConcurrencyLimit, ConcurrencyLimit] {
    const scans = new ConcurrencyLimit({
      max: this.options.maxPayloadScans ?? DEFAULT_MAX_PAYLOAD_SCANS, what: 'Payload scans', setting: 'SLUICE_SEARCH_MAX_SCANS',
      retryAfterSeconds: RUN_QUERY_LIMITS.busyRetryAfterSeconds, onRefuse: () => this.metrics.scanRefused(),
    });
    const replays = new ConcurrencyLimit({
      max: this.options.maxRunningReplays ?? DEFAULT_MAX_RUNNING_REPLAYS, what: 'Replays', setting: 'SLUICE_REPLAY_MAX_RUNNING',
      retryAfterSeconds: REPLAY_LIMITS.busyRetryAfterSeconds, onRefuse: () => this.metrics.replayRefused(),
    });
    this.metrics.watchWorkLimits(scans, replays);
    return [scans, replays];
  }

  /**
   * Triggers wait while the work accepted and not yet done is at the bound,
   * so the API does not accept events faster than they finish, which would
   * grow latency without bound. That work is the outbox plus the broker's
   * queues. With RabbitMQ the queues hold it; the in-process broker settles
   * a publish only once the worker has committed the message, so there the
   * relay's unconfirmed publishes are the whole backlog, known at once.
   */
  private backpressure(options: BackpressureOptions): [SampledBacklog, BacklogGate] {
    const { store, broker } = this.options;
    const backlog = new SampledBacklog(
      { outboxRows: () => store.outboxBacklog(), unconfirmed: () => this.relay.backlog, queued: () => broker.backlog() },
      options.readEveryMs,
    );
    const gate = new BacklogGate(backlog, options, () => this.metrics.triggerRefused());
    this.metrics.watchBackpressure(backlog, gate);
    backlog.onReading(() => gate.release());
    this.relay.onProgress(() => gate.release());
    return [backlog, gate];
  }

  /**
   * Starts the outbox relay (re-sending what a stop left behind), in a
   * worker the timers, and the sweep that fails replays a stopped process
   * left running.
   */
  async start(): Promise<void> {
    await this.relay.start();
    if (this.options.worker) this.scheduler.start();
    await this.replayJobs.start();
  }

  /**
   * Stops the timers and the relay; publishes still waiting for the broker
   * keep their outbox rows. Replays running here are failed as interrupted.
   */
  async stop(): Promise<void> {
    this.backlog.stop();
    this.live.stop();
    this.scheduler.stop();
    await this.replayJobs.stop();
    await this.relay.stop();
  }
}
