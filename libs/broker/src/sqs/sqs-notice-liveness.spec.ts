import { sqsNames } from './sqs-names';
import { noticeQueueVerdict, NOTICE_STALE_AFTER_MS, SQS_NOTICE_ALIVE_TAG, UNMARKED_STALE_AFTER_MS, type NoticeQueueSeen } from './sqs-notice-liveness';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const MINUTE = 60_000;

function setup(overrides: { ownQueueName?: string } = {}) {
  const names = sqsNames('blue');
  const rules = { names, nowMs: NOW, staleAfterMs: NOTICE_STALE_AFTER_MS, unmarkedStaleAfterMs: UNMARKED_STALE_AFTER_MS, ...overrides };
  const queue = (name: string, tags: Record<string, string> = {}, createdAtSec?: number): NoticeQueueSeen => ({
    name, tags, ...(createdAtSec === undefined ? {} : { createdAtSec: String(createdAtSec) }),
  });
  const marked = (name: string, markedAtMs: number): NoticeQueueSeen => queue(name, { [SQS_NOTICE_ALIVE_TAG]: String(markedAtMs) });
  return { rules, queue, marked, verdict: (seen: NoticeQueueSeen) => noticeQueueVerdict(seen, rules) };
}

const NOTICE_QUEUE = 'blue-sluice-notices-0123456789ab';

describe('noticeQueueVerdict', () => {
  it('sweeps a notice queue whose mark is older than the threshold, and keeps one marked within it', () => {
    const { verdict, marked } = setup();
    expect(verdict(marked(NOTICE_QUEUE, NOW - 11 * MINUTE))).toEqual({ sweep: true, reason: 'mark stale', ageMs: 11 * MINUTE });
    expect(verdict(marked(NOTICE_QUEUE, NOW - 9 * MINUTE))).toEqual({ sweep: false, reason: 'mark fresh' });
    expect(verdict(marked(NOTICE_QUEUE, NOW - NOTICE_STALE_AFTER_MS))).toEqual({ sweep: false, reason: 'mark fresh' });
    // The owner's clock ahead of the sweeper's.
    expect(verdict(marked(NOTICE_QUEUE, NOW + 5 * MINUTE))).toEqual({ sweep: false, reason: 'mark fresh' });
  });

  it('never sweeps a queue outside this installation’s notice queues, however old its mark', () => {
    const { verdict, marked } = setup();
    const old = NOW - 30 * 24 * 60 * MINUTE;
    for (const name of ['green-sluice-notices-0123456789ab', 'blue-sluice-steps', 'blue-sluice-notices-0123456789ab-extra', 'blue-sluice-notices-mine', 'blue-sluice-notices-x-sluice-notices-0123456789ab']) {
      expect(verdict(marked(name, old))).toEqual({ sweep: false, reason: 'not a notice queue' });
    }
  });

  it('never sweeps this process’s own queue', () => {
    const { verdict, marked } = setup({ ownQueueName: NOTICE_QUEUE });
    expect(verdict(marked(NOTICE_QUEUE, NOW - 60 * MINUTE))).toEqual({ sweep: false, reason: 'own queue' });
    expect(verdict(marked('blue-sluice-notices-ba9876543210', NOW - 60 * MINUTE)).sweep).toBe(true);
  });

  it('keeps a queue whose mark is not a plain number of ms', () => {
    const { verdict, queue } = setup();
    for (const mark of ['', 'yesterday', '-5', '1.5e12', '12345678901234567890']) {
      expect(verdict(queue(NOTICE_QUEUE, { [SQS_NOTICE_ALIVE_TAG]: mark }, 0))).toEqual({ sweep: false, reason: 'mark unreadable' });
    }
  });

  it('sweeps an unmarked queue (from Sluice before the marks) only once it was created more than a day ago', () => {
    const { verdict, queue } = setup();
    const nowSec = NOW / 1000;
    expect(verdict(queue(NOTICE_QUEUE, {}, nowSec - 25 * 3600))).toEqual({ sweep: true, reason: 'unmarked and old', ageMs: 25 * 3600 * 1000 });
    expect(verdict(queue(NOTICE_QUEUE, {}, nowSec - 23 * 3600))).toEqual({ sweep: false, reason: 'unmarked and recent' });
    // A new process between creating its queue and its first mark.
    expect(verdict(queue(NOTICE_QUEUE, {}, nowSec))).toEqual({ sweep: false, reason: 'unmarked and recent' });
    // Other tags are no mark.
    expect(verdict(queue(NOTICE_QUEUE, { team: 'ops' }, nowSec - 25 * 3600)).sweep).toBe(true);
  });

  it('keeps an unmarked queue whose age cannot be read', () => {
    const { verdict, queue } = setup();
    expect(verdict(queue(NOTICE_QUEUE, {}))).toEqual({ sweep: false, reason: 'age unknown' });
    expect(verdict({ name: NOTICE_QUEUE, tags: {}, createdAtSec: 'soon' })).toEqual({ sweep: false, reason: 'age unknown' });
  });
});
