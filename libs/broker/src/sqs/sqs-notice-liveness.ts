import { TagQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isNoticeQueueName, type SqsNames } from './sqs-names';

/**
 * The tag on each notice queue that says its owner is alive: the owner's
 * clock when it last tagged the queue, in ms since the epoch. Tags are the
 * only part of a queue that can be written again and again without touching
 * how it works (attributes change its behaviour, and may take up to a minute
 * to apply on AWS).
 */
export const SQS_NOTICE_ALIVE_TAG = 'sluice:alive-at';

/** Time between the owner's marks of its notice queue, ms. */
export const NOTICE_MARK_EVERY_MS = 60_000;
/**
 * Age past which a mark means its owner is gone, ms: ten marks missed. Long
 * enough for a slow or briefly cut-off owner and for clocks that disagree by
 * minutes; an owner whose queue is swept all the same creates a new one.
 */
export const NOTICE_STALE_AFTER_MS = 10 * 60_000;
/**
 * Age past which a notice queue without a mark is swept, ms (1 day). Sluice
 * before the marks left none; a process of that version still running keeps
 * its queue for a day, and an upgrade is expected to be over by then.
 */
export const UNMARKED_STALE_AFTER_MS = 24 * 60 * 60_000;
/** Time between one process's sweeps, ms, before ±20 % jitter. */
export const NOTICE_SWEEP_EVERY_MS = 5 * 60_000;

/** How the notice queues are marked alive and swept; every field has the default above. Tests shorten or shift them. */
export interface NoticeSweepOptions {
  /** Clock of marks and sweeps, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Time between marks of this process's notice queue, ms. Default NOTICE_MARK_EVERY_MS. */
  markEveryMs?: number;
  /** Age past which another process's mark means it is gone, ms. Default NOTICE_STALE_AFTER_MS. */
  staleAfterMs?: number;
  /** Age past which an unmarked notice queue is swept, ms. Default UNMARKED_STALE_AFTER_MS. */
  unmarkedStaleAfterMs?: number;
  /** Time between sweeps, ms, before jitter. Default NOTICE_SWEEP_EVERY_MS. */
  everyMs?: number;
}

/** Marks the queue as alive at `atMs` (ms since the epoch). */
export async function markNoticeQueue(sqs: SQSClient, queueUrl: string, atMs: number): Promise<void> {
  await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { [SQS_NOTICE_ALIVE_TAG]: String(Math.round(atMs)) } }));
}

/** What a sweep knows of one queue it listed. */
export interface NoticeQueueSeen {
  name: string;
  /** Its tags (ListQueueTags). */
  tags: Readonly<Record<string, string>>;
  /** Its `CreatedTimestamp` attribute, s since the epoch (as SQS gives it); read only for a queue without a mark. */
  createdAtSec?: string;
}

export interface SweepRules {
  names: SqsNames;
  /** This process's own notice queue, never swept. */
  ownQueueName?: string;
  nowMs: number;
  staleAfterMs: number;
  unmarkedStaleAfterMs: number;
}

export type NoticeQueueVerdict =
  | { sweep: true; reason: 'mark stale' | 'unmarked and old'; ageMs: number }
  | { sweep: false; reason: 'not a notice queue' | 'own queue' | 'mark fresh' | 'mark unreadable' | 'unmarked and recent' | 'age unknown' };

/**
 * Whether a listed queue is an orphan to delete. Conservative: anything not
 * named exactly like this installation's notice queues, any mark that is not
 * a plain number, and any queue whose age cannot be told is kept.
 */
export function noticeQueueVerdict(queue: NoticeQueueSeen, rules: SweepRules): NoticeQueueVerdict {
  const excluded = excludedFromSweep(queue.name, rules);
  if (excluded !== undefined) return { sweep: false, reason: excluded };
  const mark = queue.tags[SQS_NOTICE_ALIVE_TAG];
  if (mark !== undefined) {
    const markedAt = wholeNumber(mark);
    if (markedAt === undefined) return { sweep: false, reason: 'mark unreadable' };
    const ageMs = rules.nowMs - markedAt;
    return ageMs > rules.staleAfterMs ? { sweep: true, reason: 'mark stale', ageMs } : { sweep: false, reason: 'mark fresh' };
  }
  const createdAtSec = queue.createdAtSec === undefined ? undefined : wholeNumber(queue.createdAtSec);
  if (createdAtSec === undefined) return { sweep: false, reason: 'age unknown' };
  const ageMs = rules.nowMs - createdAtSec * 1000;
  return ageMs > rules.unmarkedStaleAfterMs ? { sweep: true, reason: 'unmarked and old', ageMs } : { sweep: false, reason: 'unmarked and recent' };
}

/** Why a queue is never swept whatever its tags (not this installation's notice queue, or this process's own); undefined: it may be judged. */
export function excludedFromSweep(name: string, rules: Pick<SweepRules, 'names' | 'ownQueueName'>): 'not a notice queue' | 'own queue' | undefined {
  if (!isNoticeQueueName(rules.names, name)) return 'not a notice queue';
  if (name === rules.ownQueueName) return 'own queue';
  return undefined;
}

function wholeNumber(text: string): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
