/**
 * Asks for one attempt of one step of a run. The engine plans and settles a
 * step from it; the runtime carries it on the broker. Redelivery is harmless:
 * the engine checks the message against the run's state.
 */
export interface StepMessage {
  kind: 'step';
  runId: string;
  nodeId: string;
  attempt: number;
}
