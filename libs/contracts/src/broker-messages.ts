/** Nest event pattern of the worker's handler that receives each batch of step deliveries (`Delivery<StepMessage>[]`, kind `step`). */
export const STEP_BATCH_PATTERN = 'sluice.step-batch';
/** Nest event pattern of the worker's handler that receives each batch of topic event deliveries (`Delivery<TopicEventMessage>[]`, kind `event`). */
export const EVENT_BATCH_PATTERN = 'sluice.event-batch';
