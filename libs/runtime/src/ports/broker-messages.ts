import type { StepMessage } from '@sluice/engine';

export type { StepMessage } from '@sluice/engine';

/** An event on a topic, as the broker carries it from a publish step or an outside client to subscribe flows. */
export interface TopicEventMessage {
  kind: 'event';
  eventId: string;
  topic: string;
  payload: unknown;
}

/** Everything the broker port carries, `kind`-tagged. */
export type BrokerMessage = StepMessage | TopicEventMessage;
