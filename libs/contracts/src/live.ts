/**
 * `GET /api/flows/:id/live`: where a flow's work is now and where it backs
 * up (docs/live-topology.md says where each figure comes from, how fresh and
 * how exact it is).
 */

/** One node of the flow, with its work now and its throughput over the window. */
export interface LiveNodeDto {
  nodeId: string;
  /** The node's type in the flow's latest version; null for a node only older versions have, with runs still in progress. */
  type: string | null;
  /**
   * Steps of the node that finished (succeeded or failed) per second over the
   * last `windowSec`, from the run notices this process received: best effort.
   */
  throughputPerSec: number;
  /** Steps of the node scheduled or running, not finished, in the flow's running runs. */
  inFlight: number;
  /** Retries of the node waiting for their time in `timers`. */
  retriesWaiting: number;
  /** How fast `inFlight + retriesWaiting` grows, per second, over the window; null until two samples a second apart exist. */
  waitingTrend: number | null;
}

/** The flow's runs and messages in progress. */
export interface LiveFlowFiguresDto {
  /** Running runs of the flow, counted up to `limits.maxRuns`. */
  runsRunning: number;
  /** True when the flow had more running runs than `limits.maxRuns`: the node figures count the newest of them only. */
  runsCapped: boolean;
  /** Outbox rows holding step messages of this flow's runs (events on their way out count for no flow). */
  outboxBacklog: number;
  /** What `outboxBacklog` counts: always `flow`, this flow's rows. */
  outboxScope: 'flow';
  /** True when the outbox held more than `limits.maxOutboxRows` rows: `outboxBacklog` counts among the oldest of them only. */
  outboxCapped: boolean;
}

/** One of Sluice's queues, shared by every flow; a figure the broker cannot tell, or did not tell in time, is null. */
export interface LiveQueueDto {
  name: string;
  role: 'steps' | 'ingest';
  /** Messages waiting for a consumer. */
  depth: number | null;
  /** Messages held by consumers and not yet settled (RabbitMQ: null). */
  inFlight: number | null;
  /** Consumers attached, all processes together (SQS: null). */
  consumers: number | null;
  /** When the broker gave these figures; null when it has not. */
  readAt: string | null;
}

/**
 * A step of the way events take to this flow. `ingest`: the broker routes
 * events on `source` whose topic matches `pattern` into the ingest queue
 * (`target`), through `filterPolicy` too on SNS. `subscribe`: Sluice starts
 * a run of the flow's subscribe node (`target`) for each event whose topic
 * matches `pattern`: events from the ingest queue, and events Sluice's own
 * publish steps send, whose runs the publishing commit starts.
 */
export interface LiveBindingDto {
  /** The events exchange or SNS topic; null when the broker does not describe itself. */
  source: string | null;
  pattern: string;
  reaches: 'ingest' | 'subscribe';
  target: string;
  filterPolicy?: string;
}

export interface LiveBrokerDto {
  /** null when the broker does not describe itself. */
  kind: 'in-process' | 'rabbitmq' | 'sqs' | null;
  queues: LiveQueueDto[];
  /** How events reach the flow: none for a flow triggered over REST. */
  bindings: LiveBindingDto[];
}

/**
 * The node whose waiting work grows most, and why it was named; when the
 * read was capped (`flow.runsCapped`) and nothing is seen to grow, the node
 * holding the most waiting work among the runs read.
 */
export interface LiveBottleneckDto {
  nodeId: string;
  /** In words, e.g. `in-flight work grew by 30 in 10 s while 2/s finished`. */
  reason: string;
  /** Growth of `inFlight + retriesWaiting` over the samples of the window (0 for a node named by a capped read without growth). */
  grewBy: number;
  /** Time the samples span, in s. */
  overSec: number;
}

/** The bounds of one answer, so a capped figure can be read as such. */
export interface LiveLimitsDto {
  /** Running runs read, at most. */
  maxRuns: number;
  /** Outbox rows examined, at most. */
  maxOutboxRows: number;
}

export interface FlowLiveDto {
  flowId: string;
  /** When the store was read for these figures (at most about a second ago). */
  at: string;
  /** The window of `throughputPerSec`, `waitingTrend` and the bottleneck, in s. */
  windowSec: number;
  /** Seconds of that window this process has counted the flow's notices for: less than `windowSec` just after the flow is first asked for. */
  observedSec: number;
  nodes: LiveNodeDto[];
  flow: LiveFlowFiguresDto;
  broker: LiveBrokerDto;
  bottleneck: LiveBottleneckDto | null;
  limits: LiveLimitsDto;
}
