import { loadSettings, SettingsError } from './settings';

function setup(env: Record<string, string | undefined> = {}) {
  return () => loadSettings(env);
}

/** The message of the SettingsError `load` throws. */
function refusal(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof SettingsError) return error.message;
    throw error;
  }
  throw new Error('the settings were accepted');
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

  describe('broker', () => {
    const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
    const broker = (env: Record<string, string>) => setup({ DATABASE_URL, ...env })().broker;

    it('selects the in-process broker when neither BROKER_URL nor AMQP_URL is set', () => {
      expect(setup()().broker).toEqual({ kind: 'in-process' });
      expect(setup({ DATABASE_URL, BROKER_URL: '' })()).toMatchObject({ mode: 'production', broker: { kind: 'in-process' } });
    });

    it('selects RabbitMQ for an amqp:// or amqps:// BROKER_URL, with BROKER_NAMESPACE', () => {
      expect(broker({ BROKER_URL: 'amqp://guest:guest@127.0.0.1:5672', BROKER_NAMESPACE: 'blue.a-1' })).toEqual({
        kind: 'rabbitmq', url: 'amqp://guest:guest@127.0.0.1:5672', namespace: 'blue.a-1',
      });
      expect(broker({ BROKER_URL: 'amqps://broker.example:5671/vhost' })).toEqual({ kind: 'rabbitmq', url: 'amqps://broker.example:5671/vhost', namespace: '' });
    });

    it('keeps AMQP_URL and AMQP_NAMESPACE working as the older names of an amqp BROKER_URL and BROKER_NAMESPACE', () => {
      const settings = setup({ DATABASE_URL, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', AMQP_NAMESPACE: 'green' })();
      expect(settings.mode).toBe('production');
      expect(settings.broker).toEqual({ kind: 'rabbitmq', url: 'amqp://guest:guest@127.0.0.1:5672', namespace: 'green' });
      expect(broker({ BROKER_URL: 'amqp://127.0.0.1', AMQP_URL: 'amqp://127.0.0.1', BROKER_NAMESPACE: 'x', AMQP_NAMESPACE: 'x' })).toMatchObject({ kind: 'rabbitmq', namespace: 'x' });
    });

    it('refuses BROKER_URL and AMQP_URL set and different, naming both', () => {
      const load = setup({ DATABASE_URL, BROKER_URL: 'amqp://127.0.0.1:5672', AMQP_URL: 'amqp://127.0.0.2:5672' });
      expect(load).toThrow(SettingsError);
      expect(load).toThrow(/BROKER_URL: BROKER_URL and AMQP_URL are both set and differ/);
    });

    it('refuses BROKER_NAMESPACE and AMQP_NAMESPACE set and different, naming both', () => {
      expect(setup({ DATABASE_URL, BROKER_URL: 'amqp://127.0.0.1', BROKER_NAMESPACE: 'a', AMQP_NAMESPACE: 'b' })).toThrow(
        /BROKER_NAMESPACE: BROKER_NAMESPACE and AMQP_NAMESPACE are both set and differ/,
      );
    });

    it('refuses a BROKER_NAMESPACE with characters outside letters, digits, dot, dash and underscore', () => {
      expect(setup({ DATABASE_URL, BROKER_URL: 'amqp://127.0.0.1', BROKER_NAMESPACE: 'a b' })).toThrow(/BROKER_NAMESPACE: letters, digits, dot, dash and underscore/);
    });

    it.each([
      ['kafka://127.0.0.1:9092', /BROKER_URL: scheme "kafka:\/\/" is not supported; accepted: amqp:\/\/… or amqps:\/\/… \(RabbitMQ\), sqs:\/\/REGION/],
      ['http://127.0.0.1:5672', /BROKER_URL: scheme "http:\/\/" is not supported/],
      ['not a url', /BROKER_URL: not a URL; accepted: amqp/],
    ])('refuses BROKER_URL=%s naming BROKER_URL and what is accepted', (value, message) => {
      const load = setup({ DATABASE_URL, BROKER_URL: value });
      expect(load).toThrow(SettingsError);
      expect(load).toThrow(message);
    });

    it('never quotes the rest of a refused BROKER_URL, which may hold a password', () => {
      const message = refusal(setup({ DATABASE_URL, BROKER_URL: 'kafka://user:hunter2-secret@127.0.0.1' }));
      expect(message).toMatch(/BROKER_URL: scheme "kafka:\/\/"/);
      expect(message).not.toContain('hunter2-secret');
    });

    it('refuses a broker URL without DATABASE_URL, naming DATABASE_URL and the broker variable', () => {
      expect(setup({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toThrow(/DATABASE_URL: must be set when AMQP_URL is/);
      expect(setup({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', DATABASE_URL })().mode).toBe('production');
      expect(setup({ BROKER_URL: 'amqp://127.0.0.1:5672' })).toThrow(/DATABASE_URL: must be set when BROKER_URL is/);
      expect(setup({ BROKER_URL: 'sqs://us-east-1' })).toThrow(/DATABASE_URL: must be set when BROKER_URL is/);
    });

    it('selects SQS and SNS for sqs://REGION, with the endpoint and every sqs parameter', () => {
      expect(broker({ BROKER_URL: 'sqs://eu-west-1' })).toEqual({ kind: 'sqs', region: 'eu-west-1', namespace: '' });
      expect(broker({
        BROKER_URL: 'sqs://us-east-1?endpoint=http://127.0.0.1:4566&visibilityTimeout=60&waitTime=0&maxReceiveCount=10',
        BROKER_NAMESPACE: 'blue_1-a',
      })).toEqual({
        kind: 'sqs', region: 'us-east-1', endpoint: 'http://127.0.0.1:4566', namespace: 'blue_1-a',
        visibilityTimeoutSec: 60, waitTimeSec: 0, maxReceiveCount: 10,
      });
      expect(broker({ BROKER_URL: 'sqs://us-gov-west-1?endpoint=https://sqs.vpce.example:443', AMQP_NAMESPACE: 'old' })).toEqual({
        kind: 'sqs', region: 'us-gov-west-1', endpoint: 'https://sqs.vpce.example:443', namespace: 'old',
      });
    });

    it.each([
      ['sqs://', /BROKER_URL: an sqs:\/\/ URL needs a region, e.g. sqs:\/\/us-east-1/],
      ['sqs://?endpoint=http://127.0.0.1:4566', /BROKER_URL: an sqs:\/\/ URL needs a region/],
      ['sqs://US-EAST-1', /BROKER_URL: "US-EAST-1" is not an AWS region name such as us-east-1/],
      ['sqs://localhost', /BROKER_URL: "localhost" is not an AWS region name/],
      ['sqs://us-east-1:4566', /BROKER_URL: an sqs:\/\/ URL has no port/],
      ['sqs://us-east-1/queue', /BROKER_URL: an sqs:\/\/ URL has no path/],
      ['sqs://us-east-1?endpoint=ftp://127.0.0.1', /BROKER_URL: endpoint must be an http:\/\/ or https:\/\/ URL, not ftp:/],
      ['sqs://us-east-1?endpoint=127.0.0.1:4566', /BROKER_URL: endpoint must be an http:\/\/ or https:\/\/ URL/],
      ['sqs://us-east-1?endpoint=http://key:secret@127.0.0.1:4566', /BROKER_URL: endpoint carries no credentials; set AWS_ACCESS_KEY_ID/],
      ['sqs://us-east-1?visibilityTimeout=0', /BROKER_URL: visibilityTimeout must be a whole number of seconds \(at most 12 h\) from 1 to 43200/],
      ['sqs://us-east-1?visibilityTimeout=43201', /BROKER_URL: visibilityTimeout must be/],
      ['sqs://us-east-1?waitTime=21', /BROKER_URL: waitTime must be a whole number of seconds \(a long poll\) from 0 to 20/],
      ['sqs://us-east-1?waitTime=1.5', /BROKER_URL: waitTime must be/],
      ['sqs://us-east-1?maxReceiveCount=0', /BROKER_URL: maxReceiveCount must be a whole number of receives from 1 to 1000/],
      ['sqs://us-east-1?waitTime=1&waitTime=2', /BROKER_URL: parameter "waitTime" is given twice/],
      ['sqs://us-east-1?queue=steps', /BROKER_URL: unknown parameter "queue"; an sqs:\/\/ URL accepts endpoint, namespace, visibilityTimeout, waitTime, maxReceiveCount/],
      ['sqs://us-east-1?namespace=blue.a', /BROKER_URL: the namespace parameter takes letters, digits, dash and underscore only/],
      ['sqs://us-east-1?namespace=a&namespace=b', /BROKER_URL: parameter "namespace" is given twice/],
    ])('refuses the sqs URL %s naming BROKER_URL and what is wrong', (value, message) => {
      const load = setup({ DATABASE_URL, BROKER_URL: value });
      expect(load).toThrow(SettingsError);
      expect(load).toThrow(message);
    });

    it('refuses credentials in an sqs URL, naming the AWS variables to use instead', () => {
      const message = refusal(setup({ DATABASE_URL, BROKER_URL: 'sqs://AKIAEXAMPLE:s3cr3t-key@us-east-1' }));
      expect(message).toMatch(/BROKER_URL: an sqs:\/\/ URL carries no credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      expect(message).not.toContain('s3cr3t-key');
    });

    it('refuses a dot in the namespace of an sqs broker, naming the namespace variable', () => {
      expect(setup({ DATABASE_URL, BROKER_URL: 'sqs://us-east-1', BROKER_NAMESPACE: 'blue.a' })).toThrow(
        /BROKER_NAMESPACE: with an sqs:\/\/ broker, letters, digits, dash and underscore only/,
      );
      expect(setup({ DATABASE_URL, BROKER_URL: 'sqs://us-east-1', AMQP_NAMESPACE: 'blue.a' })).toThrow(/AMQP_NAMESPACE: with an sqs:\/\/ broker/);
    });

    it('takes the namespace of an sqs broker from the URL too, refusing it beside a different BROKER_NAMESPACE', () => {
      expect(broker({ BROKER_URL: 'sqs://us-east-1?namespace=green-2' })).toMatchObject({ kind: 'sqs', namespace: 'green-2' });
      expect(broker({ BROKER_URL: 'sqs://us-east-1?namespace=green', BROKER_NAMESPACE: 'green' })).toMatchObject({ namespace: 'green' });
      expect(setup({ DATABASE_URL, BROKER_URL: 'sqs://us-east-1?namespace=green', BROKER_NAMESPACE: 'blue' })).toThrow(
        /BROKER_URL: its namespace parameter and BROKER_NAMESPACE differ/,
      );
      expect(setup({ DATABASE_URL, BROKER_URL: `sqs://us-east-1?namespace=${'n'.repeat(53)}` })).toThrow(/BROKER_URL: the namespace parameter takes at most 52 characters/);
    });

    it('refuses an sqs namespace too long for SQS queue names, and accepts the longest that fits', () => {
      expect(broker({ BROKER_URL: 'sqs://us-east-1', BROKER_NAMESPACE: 'n'.repeat(52) })).toMatchObject({ kind: 'sqs', namespace: 'n'.repeat(52) });
      expect(setup({ DATABASE_URL, BROKER_URL: 'sqs://us-east-1', BROKER_NAMESPACE: 'n'.repeat(53) })).toThrow(
        /BROKER_NAMESPACE: with an sqs:\/\/ broker, at most 52 characters/,
      );
    });
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

  it('defaults the bounds on payload scans and replays per process, and refuses values that are not a whole number from 1 to 1,000, naming the variable', () => {
    expect(setup()()).toMatchObject({ SLUICE_SEARCH_MAX_SCANS: 4, SLUICE_REPLAY_MAX_RUNNING: 2 });
    expect(setup({ SLUICE_SEARCH_MAX_SCANS: '1', SLUICE_REPLAY_MAX_RUNNING: '1000' })()).toMatchObject({ SLUICE_SEARCH_MAX_SCANS: 1, SLUICE_REPLAY_MAX_RUNNING: 1000 });
    for (const variable of ['SLUICE_SEARCH_MAX_SCANS', 'SLUICE_REPLAY_MAX_RUNNING']) {
      for (const value of ['0', '-1', '1.5', '1001', 'many']) {
        expect(setup({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration:\\n  ${variable}: `));
      }
    }
  });

  it('collects SLUICE_SECRET_<NAME> variables as secrets by name', () => {
    expect(setup({ SLUICE_SECRET_API_TOKEN: 't0k3n', SLUICE_SECRET_EMPTY: '', OTHER: 'x' })().secrets).toEqual({ API_TOKEN: 't0k3n' });
  });
});
