/** A topic word: letters, digits, `-` and `_` (AMQP allows more, but these keep routing keys readable and URL-safe). */
const WORD = /^[A-Za-z0-9_-]+$/;
/** AMQP caps routing keys at 255 bytes. */
const MAX_TOPIC_LENGTH = 255;

/**
 * AMQP topic matching as RabbitMQ's topic exchange routes: words are separated
 * by `.`, `*` matches exactly one word and `#` matches zero or more words. Empty
 * words count (`a..b` has three); an empty key has no words at all, so `*` does
 * not match it and `#` does. The one matcher for the in-process broker and for
 * flow subscriptions, so both route an event to the same flows.
 */
export function matchTopic(pattern: string, topic: string): boolean {
  const p = words(pattern);
  const t = words(topic);
  // Memoised on (pattern word, topic word) so patterns like `#.#.#` stay polynomial.
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (t.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const word = p[i];
    if (word === undefined) result = j === t.length;
    else if (word === '#') result = match(i + 1, j) || (j < t.length && match(i, j + 1));
    else if (j >= t.length) result = false;
    else result = (word === '*' || word === t[j]) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

function words(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** Checks a subscribe pattern (`orders.*`, `audit.#`). @returns a problem or undefined. */
export function checkTopicPattern(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_TOPIC_LENGTH) return `must be at most ${MAX_TOPIC_LENGTH} characters`;
  for (const word of pattern.split('.')) {
    if (word !== '*' && word !== '#' && !WORD.test(word)) {
      return `has an invalid word "${word}" (use letters, digits, - or _, or the wildcards * and #)`;
    }
  }
  return undefined;
}

/** Checks a routing key to publish on: a pattern without wildcards. @returns a problem or undefined. */
export function checkRoutingKey(topic: string): string | undefined {
  if (topic.length === 0) return 'must not be empty';
  if (topic.length > MAX_TOPIC_LENGTH) return `must be at most ${MAX_TOPIC_LENGTH} characters`;
  for (const word of topic.split('.')) {
    if (word === '*' || word === '#') return 'must not contain wildcards (* or #)';
    if (!WORD.test(word)) return `has an invalid word "${word}" (use letters, digits, - or _)`;
  }
  return undefined;
}
