/**
 * AMQP topic-exchange matching: words are separated by `.`, `*` matches
 * exactly one word and `#` matches zero or more words.
 */
export function topicMatches(pattern: string, topic: string): boolean {
  return matchWords(pattern.split('.'), 0, topic.split('.'), 0);
}

function matchWords(pattern: readonly string[], p: number, words: readonly string[], w: number): boolean {
  for (; p < pattern.length; p++, w++) {
    const part = pattern[p];
    if (part === '#') {
      // Collapse consecutive '#', then try every possible number of swallowed words.
      while (pattern[p + 1] === '#') p++;
      if (p === pattern.length - 1) return true;
      for (let skip = w; skip <= words.length; skip++) {
        if (matchWords(pattern, p + 1, words, skip)) return true;
      }
      return false;
    }
    if (w >= words.length) return false;
    if (part !== '*' && part !== words[w]) return false;
  }
  return w === words.length;
}
