import { fuzzSuite } from '../fuzz/fuzz-suite';

/**
 * The seeded slice of the property-based fuzz that `npm test` runs: 50 cases
 * per route. `npm run fuzz` runs the same properties with 2,000 cases per
 * route (FUZZ_RUNS) and a fresh seed (FUZZ_SEED).
 */
describe('fuzzing every route (seeded slice)', () => {
  fuzzSuite({ runs: Number(process.env['FUZZ_SLICE_RUNS'] ?? 50), seed: 20261201 });
});
