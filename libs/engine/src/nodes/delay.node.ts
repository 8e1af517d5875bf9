import type { NodeDefinition } from './node-definition';

/** Longest delay, in ms (30 days): keeps due times representable and timers meaningful. */
export const MAX_DELAY_MS = 30 * 24 * 3_600_000;

/** Waits `ms` on a durable timer, then passes its input on. Cannot fail: no `error` handle. */
export const delayNode: NodeDefinition = {
  type: 'delay',
  entry: false,
  inline: false,
  outHandles: [null],
  validate(data) {
    const ms = data['ms'];
    if (ms === undefined || ms === null || ms === '') return ['needs a delay in ms'];
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
      return [`ms must be an integer from 0 to ${MAX_DELAY_MS}`];
    }
    return [];
  },
  behaviour: { kind: 'delay', delayMs: (node) => Number(node.data['ms']) },
};
