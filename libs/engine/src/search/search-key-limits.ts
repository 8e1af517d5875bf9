/**
 * Bounds of a flow's search keys (docs/flow-model.md#search-keys). Every run
 * of the flow writes one index row per key value, so both the number of keys
 * and the values one key may give are small; a value longer than
 * `maxValueLength` (UTF-16 code units) is left out of the index, which keeps
 * its rows short.
 */
export const SEARCH_KEY_LIMITS = Object.freeze({
  /** Search keys one flow may declare. */
  maxKeys: 5,
  /** Values one key may give a run (the elements of an array result). */
  maxValuesPerKey: 10,
  /** Longest value that is indexed. */
  maxValueLength: 256,
});

/** A search key's name: what `key.<name>` says in `GET /api/runs`. */
export const SEARCH_KEY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
