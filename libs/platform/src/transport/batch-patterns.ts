/**
 * Nest event patterns the worker transport dispatches on. They name handlers
 * inside one process (`SluiceBrokerServer` to its `@EventPattern` handlers)
 * and never travel on the broker.
 */

/** Handler of each batch of step deliveries (`Delivery<StepMessage>[]`). */
export const STEP_BATCH_PATTERN = 'sluice.step-batch';
/** Handler of each batch of topic event deliveries (`Delivery<TopicEventMessage>[]`). */
export const EVENT_BATCH_PATTERN = 'sluice.event-batch';
