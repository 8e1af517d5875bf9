import { randomUUID } from 'node:crypto';
import type { EngineClock } from '@sluice/engine';

/** The real clock, randomness and id source behind the engine's EngineClock. */
export const systemClock: EngineClock = {
  now: () => new Date(),
  random: Math.random,
  newId: randomUUID,
};
