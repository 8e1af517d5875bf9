import { randomBytes } from 'node:crypto';

/**
 * Sluice's SQS and SNS names, as outside clients see them (before any
 * namespace prefix, see `sqsNames`). SQS and SNS allow only letters, digits,
 * `-` and `_` in names, so these are the AMQP names (topology-names.ts) with
 * `-` for `.`.
 */

/** Standard queue of step messages consumed by workers. */
export const SQS_STEPS_QUEUE = 'sluice-steps';
/** Standard queue subscribed (raw) to SQS_EVENTS_TOPIC that starts runs of subscribe flows. */
export const SQS_INGEST_QUEUE = 'sluice-ingest';
/** Queue of messages Sluice could not read, and of those SQS redrove after too many receives. */
export const SQS_DEAD_LETTER_QUEUE = 'sluice-dead-letters';
/** SNS topic that carries published events. Outside clients may publish and subscribe here. */
export const SNS_EVENTS_TOPIC = 'sluice-events';
/** SNS topic of best-effort run change notices for the live stream. */
export const SNS_NOTICES_TOPIC = 'sluice-notices';

/** SQS's longest queue name, in characters. */
const MAX_QUEUE_NAME = 80;
/** Hex characters of the random part of a process's notice queue name. */
const NOTICE_QUEUE_SUFFIX_CHARS = 12;
const NAME_CHARS = /^[A-Za-z0-9_-]+$/;

/** Names of everything the SQS adapter creates, after the namespace prefix. */
export interface SqsNames {
  stepsQueue: string;
  ingestQueue: string;
  deadLetterQueue: string;
  eventsTopic: string;
  noticesTopic: string;
  /** Every process's notice queue is named this followed by random characters. */
  noticeQueuePrefix: string;
}

/**
 * Prefixes every queue and topic with `<namespace>-`, so that several
 * installations (or test runs) can share one account and region. No
 * namespace (or an empty one): the contract names (`sluice-events`, …) that
 * outside clients use. Throws when the namespace has characters SQS refuses
 * or makes names too long.
 */
export function sqsNames(namespace?: string): SqsNames {
  if (namespace) assertNamespace(namespace);
  const name = (base: string): string => (namespace ? `${namespace}-${base}` : base);
  return {
    stepsQueue: name(SQS_STEPS_QUEUE),
    ingestQueue: name(SQS_INGEST_QUEUE),
    deadLetterQueue: name(SQS_DEAD_LETTER_QUEUE),
    eventsTopic: name(SNS_EVENTS_TOPIC),
    noticesTopic: name(SNS_NOTICES_TOPIC),
    noticeQueuePrefix: `${name(SNS_NOTICES_TOPIC)}-`,
  };
}

/** A fresh name for this process's notice queue. */
export function noticeQueueName(names: SqsNames): string {
  return `${names.noticeQueuePrefix}${randomBytes(NOTICE_QUEUE_SUFFIX_CHARS / 2).toString('hex')}`;
}

/**
 * Whether `name` is a notice queue of this installation: the prefix followed
 * by exactly the random part `noticeQueueName` adds. A namespace that happens
 * to begin with another installation's prefix (`sluice-notices-x-…`) never
 * matches, so sweeping stays inside its own namespace.
 */
export function isNoticeQueueName(names: SqsNames, name: string): boolean {
  if (!name.startsWith(names.noticeQueuePrefix)) return false;
  return NOTICE_QUEUE_SUFFIX.test(name.slice(names.noticeQueuePrefix.length));
}

const NOTICE_QUEUE_SUFFIX = new RegExp(`^[0-9a-f]{${NOTICE_QUEUE_SUFFIX_CHARS}}$`);

/** The longest namespace that still leaves room for the longest queue name, the notice queues'. */
export const MAX_NAMESPACE_LENGTH = MAX_QUEUE_NAME - `-${SNS_NOTICES_TOPIC}-`.length - NOTICE_QUEUE_SUFFIX_CHARS;

function assertNamespace(namespace: string): void {
  if (!NAME_CHARS.test(namespace)) {
    throw new Error(`SQS namespace ${JSON.stringify(namespace)} is invalid: use letters, digits, - and _ only (SQS and SNS names allow nothing else)`);
  }
  if (namespace.length > MAX_NAMESPACE_LENGTH) {
    throw new Error(`SQS namespace ${JSON.stringify(namespace)} is ${namespace.length} characters long; at most ${MAX_NAMESPACE_LENGTH} fit SQS's ${MAX_QUEUE_NAME}-character queue names`);
  }
}
