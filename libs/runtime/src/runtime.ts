import type { BrokerPort } from './ports/broker.port';
import { DEFAULT_PUBLISH_LIMITS, type EngineClock, type PublishLimits } from '@sluice/engine';
import type { StorePort } from './ports/store.port';
import type { HttpCaller } from './ports/http-caller.port';
import type { Logger } from './ports/logger.port';
import { EventIngestHandler } from './services/event-ingest.handler';
import { FlowCache } from './services/flow-cache';
import { FlowService } from './services/flow.service';
import { OutboxRelay, type OutboxRelayOptions } from './services/outbox-relay';
import { RunCommitter } from './services/run-committer';
import { RunControlService } from './services/run-control.service';
import { RunQueryService } from './services/run-query.service';
import { RuntimeMetrics } from './services/runtime-metrics';
import { StepExecutor } from './services/step-executor';
import { TimerScheduler } from './services/timer-scheduler';
import { TriggerService } from './services/trigger.service';
import { BacklogGate } from './throughput/backlog-gate';
import { systemClock } from './clock/system-clock';

export interface RuntimeOptions {
  store: StorePort;
  broker: BrokerPort;
  http: HttpCaller;
  logger: Logger;
  /**
   * Do a worker's work in this process: fire timers, and gate triggers on the
   * backlog. The step and event messages themselves reach `executor` and
   * `ingest` through a transport that consumes the broker (libs/platform).
   */
  worker: boolean;
  /** Step messages a worker holds at once (WORKER_CONCURRENCY); sizes the default `maxBacklog`. */
  concurrency: number;
  clock?: EngineClock;
  relay?: Partial<OutboxRelayOptions>;
  /** Largest output a step may record, as UTF-8 JSON, in bytes (SLUICE_MAX_STEP_OUTPUT; default 1 MiB). */
  maxStepOutputBytes?: number;
  /** How far publish chains may go (default 8 hops, 1,000 runs per originating event). */
  publishLimits?: PublishLimits;
  /**
   * With the worker in this process: triggers wait while this many messages
   * or more are handed to the broker and not yet done (default 4 × concurrency).
   */
  maxBacklog?: number;
}

/** Longest a trigger waits for the backlog to drain, in ms; then it is accepted anyway (the outbox holds it). */
const MAX_BACKPRESSURE_WAIT_MS = 10_000;

/**
 * The application services wired over one store and one broker. Apps create
 * one and expose it through their own framework; nothing here knows Nest.
 */
export class Runtime {
  readonly flowCache: FlowCache;
  readonly flows: FlowService;
  readonly triggers: TriggerService;
  readonly queries: RunQueryService;
  readonly control: RunControlService;
  readonly metrics: RuntimeMetrics;
  readonly relay: OutboxRelay;
  readonly scheduler: TimerScheduler;
  readonly executor: StepExecutor;
  readonly ingest: EventIngestHandler;

  constructor(private readonly options: RuntimeOptions) {
    const { store, broker, logger } = options;
    const clock = options.clock ?? systemClock;
    this.flowCache = new FlowCache(store, undefined, undefined, { maxStepOutputBytes: options.maxStepOutputBytes });
    this.metrics = new RuntimeMetrics(() => store.outboxBacklog());
    this.relay = new OutboxRelay(store, broker, logger.child({ component: 'OutboxRelay' }), options.relay);
    const committer = new RunCommitter(store, this.flowCache, this.relay, broker, this.metrics, clock, options.publishLimits ?? DEFAULT_PUBLISH_LIMITS);
    this.flows = new FlowService(store, this.flowCache);
    this.triggers = new TriggerService(this.flowCache, committer, clock, options.worker ? this.backpressure(options) : undefined);
    this.queries = new RunQueryService(store);
    this.control = new RunControlService(store, this.flowCache, committer, clock);
    this.scheduler = new TimerScheduler(store, this.relay, logger.child({ component: 'TimerScheduler' }));
    this.executor = new StepExecutor(store, this.flowCache, committer, options.http, clock, logger.child({ component: 'StepExecutor' }));
    this.ingest = new EventIngestHandler(this.triggers, committer, logger.child({ component: 'EventIngest' }));
  }

  /**
   * Embedded mode (API and worker in one process): the in-process broker
   * settles a message only when the worker has committed it, so the relay's
   * backlog is the worker's. Gating triggers on it keeps the API from
   * accepting events faster than they finish, which would grow latency
   * without bound.
   */
  private backpressure(options: RuntimeOptions): BacklogGate {
    const gate = new BacklogGate(() => this.relay.backlog, options.maxBacklog ?? 4 * options.concurrency, MAX_BACKPRESSURE_WAIT_MS);
    this.relay.onProgress(() => gate.release());
    return gate;
  }

  /** Starts the outbox relay (re-sending what a stop left behind) and, in a worker, the timers. */
  async start(): Promise<void> {
    await this.relay.start();
    if (this.options.worker) this.scheduler.start();
  }

  /** Stops the timers and the relay; publishes still waiting for the broker keep their outbox rows. */
  async stop(): Promise<void> {
    this.scheduler.stop();
    await this.relay.stop();
  }
}
