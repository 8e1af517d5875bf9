import type { Logger } from '../ports/logger.port';
import type { OutboxEntry, StorePort } from '../ports/store.port';
import type { OutboxRelay } from './outbox-relay';
import { TimerScheduler } from './timer-scheduler';

interface Logged {
  level: string;
  message: string;
  fields: Record<string, unknown>;
  at: number;
}

function recordingLogger(lines: Logged[]): Logger {
  const record = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields, at: Date.now() });
  const logger: Logger = { child: () => logger, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  return logger;
}

/** A scheduler polling every 200 ms over a store that fails while `down` says so, and a relay that records what it is sent. */
function setup(down: () => boolean) {
  const logs: Logged[] = [];
  const polls: number[] = [];
  const store = {
    async fireDueTimers(): Promise<OutboxEntry[]> {
      polls.push(Date.now());
      if (down()) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return [{ id: `timer-${polls.length}`, message: { kind: 'step', runId: 'run-1', nodeId: 'wait', attempt: 1 } }];
    },
  } as unknown as StorePort;
  const sent: string[] = [];
  const relay = { send: (entries: readonly OutboxEntry[]) => sent.push(...entries.map((entry) => entry.id)) } as unknown as OutboxRelay;
  const scheduler = new TimerScheduler(store, relay, recordingLogger(logs), 200);
  return { scheduler, logs, polls, sent };
}

describe('TimerScheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00.000Z') }));
  afterEach(() => jest.useRealTimers());

  it('fires due timers every poll and hands them to the relay', async () => {
    const { scheduler, logs, polls, sent } = setup(() => false);
    scheduler.start();
    await jest.advanceTimersByTimeAsync(1000);
    scheduler.stop();
    expect(polls.length).toBeGreaterThanOrEqual(5);
    expect(sent).toHaveLength(polls.length);
    expect(logs).toEqual([]);
  });

  it('during a 30 s store outage logs the first failure, then one line per 10 s with the count, and one when it recovers', async () => {
    const started = Date.now();
    const outageMs = 30_000;
    const { scheduler, logs, polls, sent } = setup(() => Date.now() - started < outageMs);
    scheduler.start();
    await jest.advanceTimersByTimeAsync(outageMs + 1000);
    scheduler.stop();

    const failedPolls = polls.filter((at) => at - started < outageMs).length;
    // Polling goes on every 200 ms through the outage: 150 failures, 4 lines.
    expect(failedPolls).toBeGreaterThanOrEqual(140);
    expect(logs.map(({ level, message, at }) => ({ level, message, afterMs: at - started }))).toEqual([
      { level: 'warn', message: 'firing timers failed', afterMs: 0 },
      { level: 'warn', message: 'firing timers still failing', afterMs: 10_000 },
      { level: 'warn', message: 'firing timers still failing', afterMs: 20_000 },
      { level: 'info', message: 'firing timers recovered', afterMs: outageMs },
    ]);
    expect(logs[0]!.fields.err).toEqual(expect.objectContaining({ message: 'connect ECONNREFUSED 127.0.0.1:5432' }));
    expect(logs[1]!.fields).toEqual(expect.objectContaining({ failures: 51, failingForMs: 10_000, err: expect.any(Error) }));
    expect(logs[2]!.fields).toEqual(expect.objectContaining({ failures: 101, failingForMs: 20_000 }));
    expect(logs[3]!.fields).toEqual({ failures: failedPolls, failedForMs: outageMs });
    // Timers fire again once the store is back.
    expect(sent.length).toBe(polls.length - failedPolls);
    expect(sent.length).toBeGreaterThan(0);
  });

  it('starts counting afresh after a recovery: the next outage logs its first failure again', async () => {
    let down = true;
    const { scheduler, logs } = setup(() => down);
    scheduler.start();
    await jest.advanceTimersByTimeAsync(1000);
    down = false;
    await jest.advanceTimersByTimeAsync(400);
    down = true;
    await jest.advanceTimersByTimeAsync(400);
    scheduler.stop();
    expect(logs.map((line) => line.message)).toEqual(['firing timers failed', 'firing timers recovered', 'firing timers failed']);
  });
});
