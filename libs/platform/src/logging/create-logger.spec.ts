import { loadSettings } from '@sluice/config';
import { createLogger } from './create-logger';

const API_KEY = 'sk_live_0123456789abcdef';
const HOOK_SECRET = 'hook-secret-7f3a9c';
const DB_PASSWORD = 'db-pass-55e1b2';
const PAYLOAD_SECRET = 'card-4111111111111111';

/** A logger over the given environment that writes its lines into an array. */
function setup(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const settings = loadSettings({
    LOG_LEVEL: 'debug',
    SLUICE_API_KEYS: API_KEY,
    SLUICE_SECRET_HOOK: HOOK_SECRET,
    DATABASE_URL: `postgres://sluice:${DB_PASSWORD}@127.0.0.1:5432/sluice`,
    ...env,
  });
  const logger = createLogger(settings, { service: 'test', destination: { write: (line: string) => void lines.push(line) } });
  return { settings, logger, output: () => lines.join(''), records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Shaped like TypeORM's QueryFailedError: the driver error's fields copied onto it, the query and its parameters kept. */
class QueryFailedError extends Error {
  constructor(readonly query: string, readonly parameters: unknown[], readonly driverError: Error) {
    super(driverError.message);
    this.name = 'QueryFailedError';
    const { name: _name, message: _message, stack: _stack, ...fields } = driverError as Error & Record<string, unknown>;
    Object.assign(this, fields);
  }
}

function failedRunWrite(): QueryFailedError {
  const state = { runId: 'run-1', status: 'running', payload: { card: PAYLOAD_SECRET }, headers: { Authorization: `Bearer ${HOOK_SECRET}` } };
  const driverError = Object.assign(new Error('new row for relation "runs" violates check constraint "runs_status_check"'), {
    code: '23514',
    table: 'runs',
    constraint: 'runs_status_check',
    detail: `Failing row contains (run-1, ${JSON.stringify(state)}).`,
    where: `SQL statement with ${PAYLOAD_SECRET}`,
  });
  return new QueryFailedError('UPDATE runs SET state = $1 WHERE id = $2', [JSON.stringify(state), 'run-1'], driverError);
}

describe('createLogger', () => {
  it('redacts authorization-like fields in any case and at any depth', () => {
    const { logger, output } = setup();
    logger.info({
      req: { method: 'POST', headers: { authorization: 'Bearer abc-token-111111', Cookie: 'sid=cookie-222222', 'X-API-Key': 'xkey-333333' } },
      res: { headers: { 'Set-Cookie': 'session=cookie-444444; HttpOnly' } },
      node: { data: { headers: { AUTHORIZATION: 'Basic dXNlcjpwYXNzLTU1NTU1NQ==' } } },
      login: { password: 'pw-666666', token: 'tok-777777', secret: 'sec-888888', apiKey: 'ak-999999', api_key: 'ak-000000' },
    }, 'request');
    for (const value of ['abc-token-111111', 'cookie-222222', 'xkey-333333', 'cookie-444444', 'dXNlcjpwYXNzLTU1NTU1NQ', 'pw-666666', 'tok-777777', 'sec-888888', 'ak-999999', 'ak-000000']) {
      expect(output()).not.toContain(value);
    }
    expect(output()).toContain('"method":"POST"');
    expect(output()).toContain('[Redacted]');
  });

  it('redacts secret query parameters and URL passwords, keeping the rest of the URL', () => {
    const { logger, records } = setup();
    logger.warn({
      url: 'https://hooks.example.com/notify?token=tok_abcdef123&order=A-1&access_token=at-424242&api_key=ak-434343&X-Amz-Signature=sig-444444',
      target: 'https://user:hunter22pw@db.example.com/path?sig=sg-454545',
      nested: { links: ['/api/flows?key=k-464646&limit=5'] },
    }, 'calling https://hooks.example.com/notify?password=pw-474747');
    const text = JSON.stringify(records());
    for (const value of ['tok_abcdef123', 'at-424242', 'ak-434343', 'sig-444444', 'hunter22pw', 'sg-454545', 'k-464646', 'pw-474747']) {
      expect(text).not.toContain(value);
    }
    expect(records()[0]).toMatchObject({
      url: 'https://hooks.example.com/notify?token=[Redacted]&order=A-1&access_token=[Redacted]&api_key=[Redacted]&X-Amz-Signature=[Redacted]',
      target: 'https://user:[Redacted]@db.example.com/path?sig=[Redacted]',
      nested: { links: ['/api/flows?key=[Redacted]&limit=5'] },
    });
  });

  it('logs a failed query by its message, code and ids, without its parameters, detail or driver error', () => {
    const { logger, records, output } = setup();
    logger.error({ err: failedRunWrite(), runId: 'run-1' }, 'commit failed');
    logger.error({ failure: { error: failedRunWrite() } }, 'commit failed, error nested');
    expect(output()).not.toContain(PAYLOAD_SECRET);
    expect(output()).not.toContain(HOOK_SECRET);
    expect(output()).not.toContain('UPDATE runs SET');
    const [first, second] = records();
    expect(first).toMatchObject({
      runId: 'run-1',
      msg: 'commit failed',
      err: { type: 'QueryFailedError', message: expect.stringContaining('violates check constraint'), code: '23514', table: 'runs', constraint: 'runs_status_check' },
    });
    expect(first!.err).not.toHaveProperty('parameters');
    expect(first!.err).not.toHaveProperty('detail');
    expect(second).toMatchObject({ msg: 'commit failed, error nested', failure: { error: { type: 'QueryFailedError', code: '23514' } } });
  });

  it('never writes the values of SLUICE_SECRET_*, the API keys or connection passwords, even when the settings are logged whole', () => {
    const { logger, settings, output } = setup();
    logger.info({ settings }, 'settings');
    logger.info({ header: `Bearer ${HOOK_SECRET}`, note: `key ${API_KEY} used` }, `resolved ${HOOK_SECRET} for ${API_KEY}`);
    logger.child({ databaseUrl: settings.DATABASE_URL }).info({}, 'connected');
    logger.warn({ err: new Error(`connect failed for postgres://sluice:${DB_PASSWORD}@127.0.0.1/sluice with ${HOOK_SECRET}`) }, 'oops');
    expect(output()).not.toContain(HOOK_SECRET);
    expect(output()).not.toContain(API_KEY);
    expect(output()).not.toContain(DB_PASSWORD);
    expect(output()).toContain('"LOG_LEVEL":"debug"');
  });

  it('never writes the password of BROKER_URL or AMQP_URL, even outside a URL', () => {
    for (const variable of ['BROKER_URL', 'AMQP_URL']) {
      const password = `${variable.toLowerCase()}-pass-9d41c7`;
      const { logger, settings, output } = setup({ [variable]: `amqp://sluice:${password}@127.0.0.1:5672` });
      logger.info({ broker: settings.broker }, 'broker');
      logger.warn({ reason: `ACCESS_REFUSED for sluice with ${password}` }, `login with ${password} refused`);
      expect(output()).not.toContain(password);
      expect(output()).toContain('ACCESS_REFUSED');
    }
  });

  it('cleans child bindings and leaves the caller\'s objects unchanged', () => {
    const { logger, output } = setup();
    const fields = { headers: { authorization: 'Bearer child-888888' } };
    logger.child({ component: 'Http', url: '/hook?token=child-999999' }).info(fields, 'call');
    expect(output()).not.toContain('child-888888');
    expect(output()).not.toContain('child-999999');
    expect(output()).toContain('"component":"Http"');
    expect(fields.headers.authorization).toBe('Bearer child-888888');
  });
});
