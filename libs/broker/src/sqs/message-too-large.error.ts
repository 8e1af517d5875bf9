import type { UndeliverableMessages } from '@sluice/runtime';

/** One message publish() refused, with its encoded size in bytes. */
export interface OversizedMessage {
  id: string;
  bytes: number;
}

/**
 * Raised by publish() when a message, encoded (body and message attributes),
 * is larger than SQS and SNS accept. Nothing of that publish() was sent: the
 * caller can set the oversized messages apart (`messages`) and publish the
 * others again without sending any twice. Retrying the same message can never succeed.
 */
export class MessageTooLargeError extends Error implements UndeliverableMessages {
  override readonly name = 'MessageTooLargeError';
  readonly undeliverableIds: readonly string[];

  constructor(
    readonly messages: readonly OversizedMessage[],
    /** The limit, in bytes. */
    readonly limitBytes: number,
  ) {
    const list = messages.map(({ id, bytes }) => `${id} (${bytes} bytes)`).join(', ');
    super(`message too large for SQS and SNS, which accept at most ${limitBytes} bytes (256 KiB) per message, body and attributes encoded: ${list}; nothing of this publish was sent`);
    this.undeliverableIds = messages.map(({ id }) => id);
  }
}
