/**
 * Messages carried by the broker. Pattern and exchange names are constants;
 * payloads are `kind`-tagged.
 */

/** Topic exchange that carries published events (SPEC §1). Outside AMQP clients may publish and bind here. */
export const EVENTS_EXCHANGE = 'sluice.events';
/** Queue of step messages consumed by workers. */
export const STEPS_QUEUE = 'sluice.steps';
/** Nest event pattern of the worker's handler that receives each batch of step deliveries (`Delivery<StepMessage>[]`, kind `step`). */
export const STEP_BATCH_PATTERN = 'sluice.step-batch';
/** Nest event pattern of the worker's handler that receives each batch of topic event deliveries (`Delivery<TopicEventMessage>[]`, kind `event`). */
export const EVENT_BATCH_PATTERN = 'sluice.event-batch';
/** Queue bound to EVENTS_EXCHANGE with `#` that starts runs of subscribe flows. */
export const INGEST_QUEUE = 'sluice.ingest';
/** Fan-out exchange of best-effort run change notices for the live stream. */
export const NOTICES_EXCHANGE = 'sluice.notices';
/** Header set on events Sluice published itself and already fanned out to its own subscribe flows. */
export const FANNED_OUT_HEADER = 'x-sluice-fanned-out';

/** Asks a worker to run one attempt of one step. Redelivery is harmless: the worker checks the run's state. */
export interface StepMessage {
  kind: 'step';
  runId: string;
  nodeId: string;
  attempt: number;
}

/** An event on a topic, as carried on EVENTS_EXCHANGE. */
export interface TopicEventMessage {
  kind: 'event';
  eventId: string;
  topic: string;
  payload: unknown;
}

export type BrokerMessage = StepMessage | TopicEventMessage;
