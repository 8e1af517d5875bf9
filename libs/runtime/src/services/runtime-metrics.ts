import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CompiledFlow } from '@sluice/engine';
import type { RunWrite } from '../ports/store.port';
import type { BacklogGate, SampledBacklog } from '../throughput/backlog-gate';
import type { ConcurrencyLimit } from '../throughput/concurrency-limit';

/**
 * Prometheus metrics of the runtime, counted from the history events each
 * commit appends, so they agree with the log by construction.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly runsStarted = new Counter({ name: 'sluice_runs_started_total', help: 'Runs started', registers: [this.registry] });
  private readonly runsFinished = new Counter({
    name: 'sluice_runs_finished_total', help: 'Runs finished, by status', labelNames: ['status'] as const, registers: [this.registry],
  });
  private readonly stepDuration = new Histogram({
    name: 'sluice_step_duration_seconds',
    help: 'Duration of one step attempt, by node type and outcome',
    labelNames: ['node_type', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly retries = new Counter({ name: 'sluice_retries_scheduled_total', help: 'Retries scheduled', registers: [this.registry] });
  private readonly deadLetters = new Counter({ name: 'sluice_dead_letters_total', help: 'Steps dead-lettered', registers: [this.registry] });
  private readonly streamClients = new Gauge({
    name: 'sluice_stream_connections', help: 'Open /api/stream connections in this process', registers: [this.registry],
  });
  private readonly streamDrops = new Counter({
    name: 'sluice_stream_clients_dropped_total',
    help: 'Stream clients disconnected because their unsent data passed SLUICE_STREAM_MAX_BUFFER',
    registers: [this.registry],
  });
  private readonly streamRefusals = new Counter({
    name: 'sluice_stream_connections_refused_total',
    help: 'Stream connections refused with 503 at SLUICE_STREAM_MAX_CONNECTIONS',
    registers: [this.registry],
  });
  private readonly triggerRefusals = new Counter({
    name: 'sluice_triggers_refused_total',
    help: 'Triggers and publishes refused with 503 overloaded: the backlog stayed at SLUICE_MAX_BACKLOG for SLUICE_BACKPRESSURE_WAIT_MS',
    registers: [this.registry],
  });
  private readonly scanRefusals = new Counter({
    name: 'sluice_run_scans_refused_total',
    help: 'Run searches by q refused with 503 overloaded: SLUICE_SEARCH_MAX_SCANS payload scans were in progress in this process',
    registers: [this.registry],
  });
  private readonly replayRefusals = new Counter({
    name: 'sluice_replays_refused_total',
    help: 'Replays refused with 503 overloaded: SLUICE_REPLAY_MAX_RUNNING replays were running in this process',
    registers: [this.registry],
  });

  constructor(outboxBacklog: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_process_' });
    new Gauge({
      name: 'sluice_outbox_backlog',
      help: 'Messages committed to the outbox and not yet held by the broker',
      registers: [this.registry],
      async collect() {
        this.set(await outboxBacklog());
      },
    });
  }

  /** Gauges of the backlog that backpressure bounds (docs/guarantees.md#backpressure), read when scraped. */
  watchBackpressure(backlog: SampledBacklog, gate: BacklogGate): void {
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name, help, registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    };
    gauge('sluice_backlog', 'Work accepted and not yet done as backpressure counts it, in messages: outbox, broker queues, and triggers just let through', () => backlog.size());
    gauge('sluice_backlog_limit', 'Backlog at which triggers wait now, then get 503: SLUICE_MAX_BACKLOG, or less once what drains in SLUICE_MAX_BACKLOG_DRAIN_MS is less', () => gate.limit());
    gauge('sluice_backlog_drain_per_second', 'How fast the backlog drained over the last 3 s while at least 50 messages waited, in messages per second; NaN when it did not', () => backlog.drainPerSecond() ?? NaN);
    gauge('sluice_backlog_outbox', 'Outbox messages in the backlog as last read (this process\'s unconfirmed publishes, if more)', () => backlog.outbox());
    gauge('sluice_broker_queue_depth', 'Messages waiting in the steps and ingest queues as last read; NaN while unknown', () => backlog.queued() ?? NaN);
    gauge('sluice_backpressure_waiting', 'Triggers waiting for room in the backlog in this process', () => gate.waiting);
  }

  /** Gauges of the costly reads bounded per process (payload scans, replays), read when scraped. */
  watchWorkLimits(scans: ConcurrencyLimit, replays: ConcurrencyLimit): void {
    new Gauge({
      name: 'sluice_run_scans_in_progress', help: 'Run searches by q scanning payloads in this process (at most SLUICE_SEARCH_MAX_SCANS)', registers: [this.registry],
      collect() {
        this.set(scans.inUse);
      },
    });
    new Gauge({
      name: 'sluice_replays_running', help: 'Replays running or being started in this process (at most SLUICE_REPLAY_MAX_RUNNING)', registers: [this.registry],
      collect() {
        this.set(replays.inUse);
      },
    });
  }

  /** A run search by q was refused: every scan slot of the process was held. */
  scanRefused(): void {
    this.scanRefusals.inc();
  }

  /** A replay was refused: the process ran its maximum. */
  replayRefused(): void {
    this.replayRefusals.inc();
  }

  /** A trigger or publish was refused: the backlog stayed at its bound. */
  triggerRefused(): void {
    this.triggerRefusals.inc();
  }

  observe(write: RunWrite, flow: CompiledFlow): void {
    for (const event of write.events) {
      switch (event.type) {
        case 'RunStarted':
          this.runsStarted.inc();
          break;
        case 'RunSucceeded':
          this.runsFinished.inc({ status: 'succeeded' });
          break;
        case 'RunFailed':
          this.runsFinished.inc({ status: 'failed' });
          break;
        case 'RunIgnored':
          this.runsFinished.inc({ status: 'ignored' });
          break;
        case 'StepSucceeded':
        case 'StepFailed':
          this.stepDuration.observe(
            { node_type: flow.node(event.nodeId ?? '')?.type ?? 'unknown', outcome: event.type === 'StepSucceeded' ? 'succeeded' : 'failed' },
            event.data.durationMs / 1000,
          );
          break;
        case 'RetryScheduled':
          this.retries.inc();
          break;
        case 'StepDeadLettered':
          this.deadLetters.inc();
          break;
        default:
          break;
      }
    }
  }

  /** A stream connection opened (+1) or closed (-1). */
  streamConnections(delta: 1 | -1): void {
    this.streamClients.inc(delta);
  }

  /** A stream client was dropped for falling behind. */
  streamClientDropped(): void {
    this.streamDrops.inc();
  }

  /** A stream connection was refused: the process holds its maximum. */
  streamConnectionRefused(): void {
    this.streamRefusals.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
