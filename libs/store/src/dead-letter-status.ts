/**
 * Where a dead letter stands (`dead_letters.status`, held to these values by a
 * CHECK constraint). Rows are never deleted: a letter is `open` until a redrive
 * or a discard resolves it, and only open letters are listed or fetched.
 */
export type DeadLetterStatus = 'open' | 'redriven' | 'discarded';
