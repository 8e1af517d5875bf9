import { loadSettings, SettingsError } from './settings';

function setup(env: Record<string, string | undefined> = {}) {
  return () => loadSettings(env);
}

describe('loadSettings', () => {
  it('defaults to embedded mode on loopback port 3000 with a 1 MiB body limit', () => {
    const settings = setup()();
    expect(settings).toMatchObject({
      mode: 'embedded', PORT: 3000, HOST: '127.0.0.1', DATA_DIR: './data', SLUICE_MAX_BODY: 1048576,
      WORKER_CONCURRENCY: 50, SLUICE_HTTP_ALLOW_PRIVATE: true, SLUICE_SEED_SAMPLES: true, SLUICE_API_KEYS: [],
      SLUICE_WEB_DIR: 'web/dist',
    });
  });

  it('selects production mode when DATABASE_URL is set and then refuses private addresses by default', () => {
    const settings = setup({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' })();
    expect(settings.mode).toBe('production');
    expect(settings.SLUICE_HTTP_ALLOW_PRIVATE).toBe(false);
  });

  it('parses sizes with units', () => {
    expect(setup({ SLUICE_MAX_BODY: '512kb' })().SLUICE_MAX_BODY).toBe(512 * 1024);
    expect(setup({ SLUICE_MAX_BODY: '2mb' })().SLUICE_MAX_BODY).toBe(2 * 1024 * 1024);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['AMQP_URL', 'not a url'],
    ['SLUICE_MAX_BODY', 'lots'],
    ['WORKER_CONCURRENCY', '0'],
    ['SLUICE_HTTP_ALLOW_PRIVATE', 'maybe'],
    ['SLUICE_MAX_PUBLISH_DEPTH', '0'],
    ['SLUICE_MAX_CHAIN_RUNS', '-1'],
    ['SLUICE_MAX_STEP_OUTPUT', 'huge'],
    ['SLUICE_MAX_JSON_DEPTH', '2'],
    ['SLUICE_METRICS_PUBLIC', 'yes'],
  ])('rejects %s=%s naming the variable', (variable, value) => {
    const load = setup({ [variable]: value });
    expect(load).toThrow(SettingsError);
    expect(load).toThrow(new RegExp(variable));
  });

  it('refuses AMQP_URL without DATABASE_URL, naming DATABASE_URL', () => {
    expect(setup({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toThrow(/DATABASE_URL: must be set when AMQP_URL is/);
    expect(setup({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' })().mode).toBe('production');
  });

  it('refuses a non-loopback HOST without API keys', () => {
    expect(setup({ HOST: '0.0.0.0' })).toThrow(/SLUICE_API_KEYS/);
    const keys = ['k1-0123456789abcdef', 'k2-0123456789abcdef'];
    expect(setup({ HOST: '0.0.0.0', SLUICE_API_KEYS: keys.join(', ') })().SLUICE_API_KEYS).toEqual(keys);
  });

  it('refuses an API key shorter than 16 characters, naming the variable', () => {
    expect(setup({ SLUICE_API_KEYS: 'long-enough-key-0001,short' })).toThrow(/SLUICE_API_KEYS: every key needs at least 16 characters/);
  });

  it('refuses an API key with a space or a non-ASCII character inside', () => {
    expect(setup({ SLUICE_API_KEYS: 'long-enough key-0001' })).toThrow(/SLUICE_API_KEYS: keys are printable ASCII/);
    expect(setup({ SLUICE_API_KEYS: 'long-enough-key-é001' })).toThrow(/SLUICE_API_KEYS/);
  });

  it('defaults the reliability settings and refuses values out of range, naming the variable', () => {
    expect(setup()()).toMatchObject({
      SLUICE_MAX_BACKLOG: 500, SLUICE_MAX_BACKLOG_DRAIN_MS: 2500, SLUICE_BACKPRESSURE_WAIT_MS: 2000,
      WORKER_DRAIN_TIMEOUT_MS: 15000, SLUICE_MAX_DELIVERIES: 5,
      DATABASE_QUERY_TIMEOUT_MS: 30000, DATABASE_CONNECT_TIMEOUT_MS: 10000,
    });
    expect(setup({ SLUICE_MAX_BACKLOG_DRAIN_MS: '0', SLUICE_BACKPRESSURE_WAIT_MS: '0' })()).toMatchObject({ SLUICE_MAX_BACKLOG_DRAIN_MS: 0, SLUICE_BACKPRESSURE_WAIT_MS: 0 });
    for (const [variable, value] of [
      ['SLUICE_MAX_BACKLOG', '0'], ['SLUICE_BACKPRESSURE_WAIT_MS', '-1'], ['SLUICE_MAX_DELIVERIES', '0'],
      ['DATABASE_QUERY_TIMEOUT_MS', '10'], ['DATABASE_CONNECT_TIMEOUT_MS', 'soon'], ['WORKER_DRAIN_TIMEOUT_MS', '1.5'],
    ] as const) {
      expect(setup({ [variable]: value })).toThrow(new RegExp(`${variable}:`));
    }
  });

  it('defaults the security limits', () => {
    expect(setup()()).toMatchObject({
      SLUICE_METRICS_PUBLIC: false, SLUICE_MAX_JSON_DEPTH: 64, SLUICE_MAX_STEP_OUTPUT: 1048576,
      SLUICE_MAX_PUBLISH_DEPTH: 8, SLUICE_MAX_CHAIN_RUNS: 1000, SLUICE_STREAM_MAX_CONNECTIONS: 200,
      SLUICE_STREAM_MAX_BUFFER: 1048576, secrets: {},
    });
  });

  it('collects SLUICE_SECRET_<NAME> variables as secrets by name', () => {
    expect(setup({ SLUICE_SECRET_API_TOKEN: 't0k3n', SLUICE_SECRET_EMPTY: '', OTHER: 'x' })().secrets).toEqual({ API_TOKEN: 't0k3n' });
  });
});
