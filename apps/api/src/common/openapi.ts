import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import { REPLAY_LIMITS, RUN_QUERY_LIMITS } from '@sluice/runtime';
import { ERROR_CODES, HISTORY_EVENT_TYPES, NODE_TYPES, REPLAY_STATUSES, RUN_STATUSES, STEP_STATUSES } from '@sluice/contracts';

/**
 * OpenAPI descriptions of the REST shapes in @sluice/contracts (docs/rest-api.md),
 * written by hand: requests are validated with zod in the controllers, and
 * these schemas only document them. Registered as components by
 * `withApiSchemas` and referenced with `ref(name)`.
 */
type Schema = Record<string, unknown>;

const isoTime: Schema = { type: 'string', format: 'date-time' };
const uuid: Schema = { type: 'string', format: 'uuid' };

/** Names of the component schemas. */
export type ApiSchemaName =
  | 'Error' | 'FlowNode' | 'FlowEdge' | 'FlowGraph' | 'CreateFlowRequest' | 'UpdateFlowRequest' | 'ValidateRequest'
  | 'GraphError' | 'GraphWarning' | 'ValidateResponse' | 'Flow' | 'FlowVersion' | 'EventPayload' | 'TriggerResponse' | 'TopicPublishResponse'
  | 'StepError' | 'StepState' | 'Run' | 'HistoryEvent' | 'Retry' | 'DeadLetter' | 'Accepted' | 'FlowLive'
  | 'ReplayStub' | 'ReplayRequest' | 'ReplayProgress' | 'ReplayStarted' | 'ReplaySubject' | 'ReplaySummary' | 'ReplayNodeStats' | 'ReplayEdgeStats'
  | 'ReplayEventSummary' | 'ReplayNodeResult' | 'ReplayRunSide' | 'Replay' | 'ReplayListItem' | 'ReplayEvent';

const nullableCount: Schema = { type: 'integer', minimum: 0, nullable: true };

/** `GET /api/flows/{id}/live` (`FlowLiveDto` in @sluice/contracts; docs/live-topology.md). */
const FLOW_LIVE: Schema = {
  type: 'object',
  required: ['flowId', 'at', 'windowSec', 'observedSec', 'nodes', 'flow', 'broker', 'bottleneck', 'limits'],
  properties: {
    flowId: uuid,
    at: { ...isoTime, description: 'When the store was read for these figures; answers within a second share one read' },
    windowSec: { type: 'integer', description: 'Window of throughput, trend and bottleneck, in s' },
    observedSec: { type: 'number', description: 'Seconds of the window this process has counted the flow\'s notices for' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['nodeId', 'type', 'throughputPerSec', 'inFlight', 'retriesWaiting', 'waitingTrend'],
        properties: {
          nodeId: { type: 'string' },
          type: { type: 'string', nullable: true, description: 'Null for a node only older versions have' },
          throughputPerSec: { type: 'number', description: 'Steps finished per second over the window, from run notices (best effort)' },
          inFlight: { type: 'integer', description: 'Steps scheduled or running in the flow\'s running runs' },
          retriesWaiting: { type: 'integer', description: 'Retries waiting in timers' },
          waitingTrend: { type: 'number', nullable: true, description: 'Growth of inFlight + retriesWaiting per second; null until two samples a second apart' },
        },
      },
    },
    flow: {
      type: 'object',
      required: ['runsRunning', 'runsCapped', 'outboxBacklog', 'outboxScope', 'outboxCapped'],
      properties: {
        runsRunning: { type: 'integer', description: 'Counted up to limits.maxRuns' },
        runsCapped: { type: 'boolean', description: 'More running runs than limits.maxRuns: node figures count the newest of them' },
        outboxBacklog: { type: 'integer', description: 'Outbox rows holding step messages of this flow\'s runs' },
        outboxScope: { type: 'string', enum: ['flow'] },
        outboxCapped: { type: 'boolean', description: 'The outbox held more than limits.maxOutboxRows rows: counted among the oldest' },
      },
    },
    broker: {
      type: 'object',
      required: ['kind', 'queues', 'bindings'],
      properties: {
        kind: { type: 'string', enum: ['in-process', 'rabbitmq', 'sqs'], nullable: true },
        queues: {
          type: 'array',
          description: 'The steps and ingest queues, shared by every flow; a figure the broker cannot tell or did not tell in time is null',
          items: {
            type: 'object',
            required: ['name', 'role', 'depth', 'inFlight', 'consumers', 'readAt'],
            properties: {
              name: { type: 'string' },
              role: { type: 'string', enum: ['steps', 'ingest'] },
              depth: { ...nullableCount, description: 'Messages waiting for a consumer' },
              inFlight: { ...nullableCount, description: 'Messages held by consumers (RabbitMQ: null)' },
              consumers: { ...nullableCount, description: 'Consumers attached (SQS: null)' },
              readAt: { ...isoTime, nullable: true },
            },
          },
        },
        bindings: {
          type: 'array',
          description: 'How events reach a subscribe flow; none for a flow triggered over REST',
          items: {
            type: 'object',
            required: ['source', 'pattern', 'reaches', 'target'],
            properties: {
              source: { type: 'string', nullable: true, description: 'The events exchange or SNS topic' },
              pattern: { type: 'string' },
              reaches: { type: 'string', enum: ['ingest', 'subscribe'] },
              target: { type: 'string', description: 'The ingest queue, or the subscribe node\'s id' },
              filterPolicy: { type: 'string', description: 'SQS: the SNS subscription\'s filter policy' },
            },
          },
        },
      },
    },
    bottleneck: {
      type: 'object',
      nullable: true,
      required: ['nodeId', 'reason', 'grewBy', 'overSec'],
      description: 'The node whose waiting work grew most over the window; when the read was capped and nothing is seen to grow, the node holding the most waiting work; otherwise null',
      properties: {
        nodeId: { type: 'string' },
        reason: { type: 'string', example: 'in-flight work grew by 30 in 10 s while 2/s finished' },
        grewBy: { type: 'number' },
        overSec: { type: 'number' },
      },
    },
    limits: {
      type: 'object',
      required: ['maxRuns', 'maxOutboxRows'],
      properties: { maxRuns: { type: 'integer' }, maxOutboxRows: { type: 'integer' } },
    },
  },
};

const count: Schema = { type: 'integer', minimum: 0 };

/** Shadow replays (docs/replay.md), `ReplayDto` and its parts in @sluice/contracts. */
const REPLAY_SCHEMAS: Record<Extract<ApiSchemaName, `Replay${string}`>, Schema> = {
  ReplayStub: {
    type: 'object',
    additionalProperties: false,
    description: `What an http node answers when the original run recorded no response for it; at most ${REPLAY_LIMITS.maxStubBytes / 1024} KiB as JSON`,
    properties: {
      status: { type: 'integer', minimum: 200, maximum: 599, default: 200 },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: { description: 'Any JSON value; null when absent' },
    },
  },
  ReplayRequest: {
    type: 'object',
    additionalProperties: false,
    description: 'Exactly one of `graph` and `version`',
    properties: {
      graph: { description: 'A draft, validated as a save would be', allOf: [ref('FlowGraph')] },
      version: { type: 'integer', minimum: 1, description: 'A saved version of the flow' },
      limit: { type: 'integer', minimum: 1, maximum: REPLAY_LIMITS.maxEvents, default: REPLAY_LIMITS.defaultEvents, description: 'The newest runs to replay' },
      from: { ...isoTime, nullable: true, description: 'Only runs started at or after this time' },
      to: { ...isoTime, nullable: true, description: 'Only runs started at or before this time' },
      q: { type: 'string', nullable: true, maxLength: RUN_QUERY_LIMITS.maxQueryLength, description: 'A JSONata predicate over each run\'s payload, as in run search' },
      stubs: { type: 'object', additionalProperties: ref('ReplayStub'), description: 'By http node id' },
    },
  },
  ReplayProgress: {
    type: 'object',
    required: ['done', 'total'],
    properties: { done: count, total: { ...count, description: 'With `q`: the runs in range at first, then those that matched' } },
  },
  ReplayStarted: {
    type: 'object',
    required: ['id', 'status', 'progress'],
    properties: { id: uuid, status: { type: 'string', enum: ['running'] }, progress: ref('ReplayProgress') },
  },
  ReplaySubject: {
    description: '`{ version }` for a saved version, `{ draft: true }` for a draft',
    oneOf: [
      { type: 'object', required: ['version'], properties: { version: { type: 'integer', minimum: 1 } } },
      { type: 'object', required: ['draft'], properties: { draft: { type: 'boolean', enum: [true] } } },
    ],
  },
  ReplaySummary: {
    type: 'object',
    required: ['events', 'changed', 'failed', 'unchanged'],
    properties: {
      events: count,
      changed: { ...count, description: 'Events whose path or end status differs' },
      failed: { ...count, description: 'Events whose replayed run failed' },
      unchanged: count,
    },
  },
  ReplayNodeStats: {
    type: 'object',
    required: ['nodeId', 'reachedBefore', 'reachedAfter', 'outputsChanged', 'nowFail', 'nowSucceed'],
    properties: {
      nodeId: { type: 'string' }, reachedBefore: count, reachedAfter: count, outputsChanged: count, nowFail: count, nowSucceed: count,
    },
  },
  ReplayEdgeStats: {
    type: 'object',
    required: ['edgeId', 'source', 'target', 'sourceHandle', 'takenBefore', 'takenAfter'],
    properties: {
      edgeId: { type: 'string' }, source: { type: 'string' }, target: { type: 'string' }, sourceHandle: { type: 'string', nullable: true },
      takenBefore: count, takenAfter: count,
    },
  },
  ReplayEventSummary: {
    type: 'object',
    required: ['runId', 'eventId', 'flowVersion', 'startedAt', 'changed', 'pathChanged', 'outputsChanged', 'statusBefore', 'statusAfter', 'failedNodes'],
    properties: {
      runId: uuid, eventId: { type: 'string' }, flowVersion: { type: 'integer' }, startedAt: isoTime,
      changed: { type: 'boolean' }, pathChanged: { type: 'boolean' }, outputsChanged: { type: 'array', items: { type: 'string' } },
      statusBefore: { type: 'string', enum: [...RUN_STATUSES] }, statusAfter: { type: 'string', enum: [...RUN_STATUSES] },
      failedNodes: { type: 'array', items: { type: 'string' } },
    },
  },
  ReplayNodeResult: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: [...STEP_STATUSES] }, output: { description: 'Absent when the step has none' },
      handle: { type: 'string', nullable: true }, error: ref('StepError'),
    },
  },
  ReplayRunSide: {
    type: 'object',
    required: ['status', 'path', 'nodes'],
    properties: {
      status: { type: 'string', enum: [...RUN_STATUSES] },
      path: { type: 'array', items: { type: 'string' }, description: 'Edge ids taken' },
      nodes: { type: 'object', additionalProperties: ref('ReplayNodeResult') },
      publishes: {
        type: 'array', description: 'Replayed side only: what publish steps would have published',
        items: { type: 'object', required: ['nodeId', 'topic', 'payload'], properties: { nodeId: { type: 'string' }, topic: { type: 'string' }, payload: {} } },
      },
      delays: {
        type: 'array', description: 'Replayed side only: what delay steps would have waited',
        items: { type: 'object', required: ['nodeId', 'ms'], properties: { nodeId: { type: 'string' }, ms: count } },
      },
    },
  },
  Replay: {
    type: 'object',
    required: ['id', 'flowId', 'status', 'error', 'subject', 'request', 'progress', 'summary', 'nodes', 'edges', 'events', 'createdAt', 'finishedAt'],
    properties: {
      id: uuid, flowId: uuid, status: { type: 'string', enum: [...REPLAY_STATUSES] }, error: { type: 'string', nullable: true },
      subject: ref('ReplaySubject'),
      request: {
        type: 'object', required: ['limit', 'from', 'to', 'q'],
        properties: { limit: { type: 'integer' }, from: { ...isoTime, nullable: true }, to: { ...isoTime, nullable: true }, q: { type: 'string', nullable: true } },
      },
      progress: ref('ReplayProgress'), summary: ref('ReplaySummary'),
      nodes: { type: 'array', items: ref('ReplayNodeStats') }, edges: { type: 'array', items: ref('ReplayEdgeStats') },
      events: { type: 'array', items: ref('ReplayEventSummary'), description: 'Every event, changed ones first, then newest run first' },
      createdAt: isoTime, finishedAt: { ...isoTime, nullable: true },
    },
  },
  ReplayListItem: {
    type: 'object',
    required: ['id', 'status', 'progress', 'summary', 'createdAt', 'finishedAt', 'subject'],
    properties: {
      id: uuid, status: { type: 'string', enum: [...REPLAY_STATUSES] }, progress: ref('ReplayProgress'), summary: ref('ReplaySummary'),
      createdAt: isoTime, finishedAt: { ...isoTime, nullable: true }, subject: ref('ReplaySubject'),
    },
  },
  ReplayEvent: {
    description: 'A ReplayEventSummary with the payload and both sides',
    allOf: [
      ref('ReplayEventSummary'),
      { type: 'object', required: ['payload', 'original', 'replayed'], properties: { payload: {}, original: ref('ReplayRunSide'), replayed: ref('ReplayRunSide') } },
    ],
  },
};

const SCHEMAS: Record<ApiSchemaName, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: [...ERROR_CODES] },
          message: { type: 'string' },
          details: { description: 'Validation issues, graph errors or schema problems, by code' },
        },
      },
    },
  },
  FlowNode: {
    type: 'object',
    required: ['id', 'type', 'position'],
    description: 'A React Flow node. `data` holds the node type\'s settings, plus an optional `label` and `retry` policy.',
    properties: {
      id: { type: 'string' },
      type: { type: 'string', enum: [...NODE_TYPES] },
      position: { type: 'object', required: ['x', 'y'], properties: { x: { type: 'number' }, y: { type: 'number' } } },
      data: { type: 'object', additionalProperties: true, example: { condition: 'event.amount > 100' } },
    },
  },
  FlowEdge: {
    type: 'object',
    required: ['id', 'source', 'target'],
    properties: {
      id: { type: 'string' },
      source: { type: 'string' },
      target: { type: 'string' },
      sourceHandle: { type: 'string', nullable: true, description: '`yes`/`no` on filters, `error` on nodes that can fail, null for the default' },
      targetHandle: { type: 'string', nullable: true },
    },
  },
  FlowGraph: {
    type: 'object',
    required: ['nodes', 'edges'],
    properties: {
      nodes: { type: 'array', items: ref('FlowNode') },
      edges: { type: 'array', items: ref('FlowEdge') },
    },
  },
  CreateFlowRequest: {
    type: 'object',
    required: ['name', 'graph'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string', maxLength: 5000, nullable: true },
      graph: ref('FlowGraph'),
    },
  },
  UpdateFlowRequest: {
    type: 'object',
    required: ['graph'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string', maxLength: 5000, nullable: true },
      graph: ref('FlowGraph'),
    },
  },
  ValidateRequest: {
    type: 'object',
    required: ['graph'],
    properties: { graph: { description: 'Any value; the answer says what is wrong with it', allOf: [ref('FlowGraph')] } },
  },
  GraphError: {
    type: 'object',
    required: ['message'],
    properties: { nodeId: { type: 'string' }, edgeId: { type: 'string' }, message: { type: 'string' } },
  },
  GraphWarning: {
    type: 'object',
    required: ['nodeId', 'message'],
    description: 'Valid but probably unintended, e.g. a flow that publishes to a topic its own subscribe matches; never blocks a save',
    properties: { nodeId: { type: 'string' }, message: { type: 'string' } },
  },
  ValidateResponse: {
    type: 'object',
    required: ['valid', 'errors', 'warnings'],
    properties: {
      valid: { type: 'boolean' },
      errors: { type: 'array', items: ref('GraphError') },
      warnings: { type: 'array', items: ref('GraphWarning') },
    },
  },
  Flow: {
    type: 'object',
    required: ['id', 'name', 'description', 'version', 'graph', 'archived', 'createdAt', 'updatedAt'],
    properties: {
      id: uuid,
      name: { type: 'string' },
      description: { type: 'string', nullable: true },
      version: { type: 'integer', minimum: 1 },
      graph: ref('FlowGraph'),
      archived: { type: 'boolean' },
      createdAt: isoTime,
      updatedAt: isoTime,
    },
  },
  FlowVersion: {
    type: 'object',
    required: ['version', 'createdAt', 'nodeCount'],
    properties: { version: { type: 'integer' }, createdAt: isoTime, nodeCount: { type: 'integer' } },
  },
  EventPayload: {
    type: 'object',
    additionalProperties: true,
    description: 'Any JSON value: the event. A trigger node with a `schema` checks it (422 payload_rejected).',
    example: { orderId: 'A-1', amount: 250 },
  },
  TriggerResponse: {
    type: 'object',
    required: ['runId', 'eventId', 'deduplicated'],
    properties: {
      runId: uuid,
      eventId: uuid,
      deduplicated: { type: 'boolean', description: 'True when the Idempotency-Key already started this run' },
    },
  },
  TopicPublishResponse: {
    type: 'object',
    required: ['eventId', 'runIds'],
    properties: { eventId: uuid, runIds: { type: 'array', items: uuid, description: 'One run per matching subscribe flow' } },
  },
  StepError: {
    type: 'object',
    required: ['code', 'message', 'retryable'],
    properties: {
      code: { type: 'string', example: 'http_status' },
      message: { type: 'string' },
      status: { type: 'integer', description: 'HTTP status, when the error came from a response' },
      retryable: { type: 'boolean' },
    },
  },
  StepState: {
    type: 'object',
    required: ['nodeId', 'status', 'attempts'],
    properties: {
      nodeId: { type: 'string' },
      status: { type: 'string', enum: [...STEP_STATUSES] },
      attempts: { type: 'integer' },
      maxAttempts: { type: 'integer' },
      dueAt: isoTime,
      error: ref('StepError'),
      output: { description: 'The step\'s output, any JSON value' },
      startedAt: isoTime,
      finishedAt: isoTime,
      durationMs: { type: 'number' },
      deadLetterId: uuid,
    },
  },
  Run: {
    type: 'object',
    required: ['id', 'flowId', 'flowVersion', 'eventId', 'status', 'payload', 'source', 'steps', 'startedAt', 'updatedAt', 'lastSeq'],
    properties: {
      id: uuid,
      flowId: uuid,
      flowVersion: { type: 'integer' },
      eventId: { type: 'string' },
      status: { type: 'string', enum: [...RUN_STATUSES] },
      payload: { description: 'The event that started the run' },
      source: { type: 'string', enum: ['rest', 'topic', 'publish'] },
      topic: { type: 'string' },
      parentRunId: uuid,
      chain: {
        type: 'object',
        description: 'The publish chain: the event that began it, and the publish hops to this run (0 for REST and outside topic events)',
        required: ['originEventId', 'depth'],
        properties: { originEventId: { type: 'string' }, depth: { type: 'integer', minimum: 0 } },
      },
      steps: { type: 'array', items: ref('StepState') },
      startedAt: isoTime,
      updatedAt: isoTime,
      finishedAt: isoTime,
      lastSeq: { type: 'integer', description: 'seq of the last history event folded in' },
    },
  },
  HistoryEvent: {
    type: 'object',
    required: ['runId', 'seq', 'type', 'at', 'data'],
    properties: {
      runId: uuid,
      seq: { type: 'integer', minimum: 1, description: '1, 2, 3 … per run, without gaps' },
      type: { type: 'string', enum: [...HISTORY_EVENT_TYPES] },
      nodeId: { type: 'string' },
      at: isoTime,
      data: { type: 'object', additionalProperties: true },
    },
  },
  Retry: {
    type: 'object',
    required: ['runId', 'flowId', 'nodeId', 'attempt', 'maxAttempts', 'dueAt'],
    properties: {
      runId: uuid,
      flowId: uuid,
      nodeId: { type: 'string' },
      attempt: { type: 'integer', description: 'The attempt that runs next' },
      maxAttempts: { type: 'integer' },
      dueAt: isoTime,
      lastError: ref('StepError'),
    },
  },
  DeadLetter: {
    type: 'object',
    required: ['id', 'runId', 'flowId', 'nodeId', 'attempts', 'error', 'createdAt'],
    properties: {
      id: uuid, runId: uuid, flowId: uuid, nodeId: { type: 'string' }, attempts: { type: 'integer' }, error: ref('StepError'), createdAt: isoTime,
    },
  },
  FlowLive: FLOW_LIVE,
  Accepted: {
    type: 'object',
    required: ['accepted'],
    properties: { accepted: { type: 'boolean', enum: [true] } },
  },
  ...REPLAY_SCHEMAS,
};

/** A reference to one of the component schemas above. */
export function ref(name: ApiSchemaName): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** `{ items: [...], nextCursor? }` of the named schema. */
export function page(name: ApiSchemaName, withCursor = false): Schema {
  return {
    type: 'object',
    required: withCursor ? ['items', 'nextCursor'] : ['items'],
    properties: {
      items: { type: 'array', items: ref(name) },
      ...(withCursor ? { nextCursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last' } } : {}),
    },
  };
}

/** A page of runs, which a payload search (`q`) completes with how far its scan went. */
export function runQueryPage(): Schema {
  const runs = page('Run', true);
  return {
    ...runs,
    properties: {
      ...(runs['properties'] as Schema),
      scanned: { type: 'integer', minimum: 0, description: 'With `q`: the runs this request examined' },
      complete: { type: 'boolean', description: 'With `q`: true when the scan reached the flow\'s oldest run; otherwise `nextCursor` goes on with it' },
    },
  };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or a value of the wrong type (`invalid_json`, `validation_failed`), or a run search that cannot be answered (`invalid_query`)',
  401: 'SLUICE_API_KEYS is set and no valid bearer key was sent',
  404: 'No such resource',
  409: 'Conflict with the current state (`conflict`), or a replay of the flow is running (`replay_running`)',
  413: 'The body is larger than SLUICE_MAX_BODY',
  415: 'The body is not application/json',
  422: 'The graph is invalid (`invalid_graph`) or the event fails the trigger schema (`payload_rejected`)',
  503: 'The store or the broker is unavailable (`unavailable`), or the process is at a bound (`overloaded`, with Retry-After): for triggers and publishes the backlog, ' +
    'for run searches by `q` the payload scans in progress (SLUICE_SEARCH_MAX_SCANS), for replays those running (SLUICE_REPLAY_MAX_RUNNING)',
};

/** Error responses, each `{ error: { code, message, details? } }`. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] ?? 'Error', schema: ref('Error') })),
  );
}

/** Adds the component schemas to a generated document. */
export function withApiSchemas(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SCHEMAS } };
  return document;
}
