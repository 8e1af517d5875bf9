/**
 * The editor's one way into the engine, `@sluice/engine/browser`: the entry
 * itself stays light (the entry chunk carries it), and the two heavy parts
 * arrive through loaders, each its own chunk.
 */
const HEAVY = ['jsonata', 're2js', 'ajv'] as const;
const loaded = new Set<string>();

beforeEach(() => {
  jest.resetModules();
  loaded.clear();
  for (const name of HEAVY) {
    jest.doMock(name, () => {
      loaded.add(name);
      return jest.requireActual(name);
    });
  }
});

it('loads no JSONata, regex engine or JSON Schema validator with the entry itself', async () => {
  const entry = await import('@sluice/engine/browser');
  expect(entry.DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(0);
  expect(entry.HTTP_METHODS).toContain('POST');
  expect(entry.backoffSchedule(entry.resolveRetryPolicy({ maxAttempts: 3 }))).toHaveLength(2);
  expect([...loaded]).toEqual([]);
});

it('loads the bounded JSONata evaluator on demand', async () => {
  const { loadExpressionEvaluator } = await import('@sluice/engine/browser');
  expect([...loaded]).toEqual([]);
  const evaluate = await loadExpressionEvaluator();
  expect(loaded.has('jsonata')).toBe(true);
  await expect(evaluate('$sum(event.items)', { event: { items: [1, 2, 3] }, steps: {}, input: {} })).resolves.toEqual({ ok: true, value: 6 });
  // Still the engine's bounded evaluator: its budget refuses what plain JSONata would grind through.
  const refused = await evaluate('$pad("", 100000000)', { event: {}, steps: {}, input: {} });
  expect(refused.ok).toBe(false);
});

it('loads the graph validator on demand', async () => {
  const { loadGraphValidator } = await import('@sluice/engine/browser');
  const validateGraph = await loadGraphValidator();
  const result = validateGraph({ nodes: [], edges: [] });
  expect(result.valid).toBe(false);
  expect(result.errors.length).toBeGreaterThan(0);
});
