import { fuzzSuite } from './fuzz-suite';

/**
 * `npm run fuzz`: every route with FUZZ_RUNS cases (default 2,000), seeded by
 * FUZZ_SEED (default: the time, printed with the table so a run can be
 * replayed), FUZZ_ROUTES to pick routes by part of their name.
 */
const runs = Number(process.env['FUZZ_RUNS'] ?? 2000);
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000_000);
const routes = process.env['FUZZ_ROUTES']?.split(',').map((part) => part.trim()).filter((part) => part !== '');

process.stderr.write(`Sluice fuzz: ${runs} cases per route, seed ${seed} (FUZZ_SEED=${seed} repeats this run)\n`);

describe(`fuzzing every route (${runs} cases per route, seed ${seed})`, () => {
  fuzzSuite({ runs, seed, report: true, ...(routes ? { routes } : {}) });
});
