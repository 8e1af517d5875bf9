import { ApiClient } from '../support/api-client';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { SluiceProcess, freePort } from '../support/embedded-process';
import { edge, graph, node } from '../support/graphs';
import { TargetServer } from '../support/target-server';

/**
 * `npm run start:api` with DATABASE_URL and no BROKER_URL: a PostgreSQL server
 * with the in-process broker, which only this process can consume from, so the
 * API runs the worker itself and steps that need one still finish. A worker
 * process without a broker URL has nothing to consume and refuses to start.
 */
describe('API on a PostgreSQL server without RabbitMQ', () => {
  let database: TestDatabase;
  let target: TargetServer;
  let apiProcess: SluiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase('server');
    target = await new TargetServer().start();
    apiProcess = new SluiceProcess('api', { DATABASE_URL: database.url, SLUICE_HTTP_ALLOW_PRIVATE: 'true' }, await freePort());
    await apiProcess.start();
  });

  afterAll(async () => {
    await apiProcess?.stop();
    await target?.stop();
    await database?.drop();
  });

  it('runs worker steps (http) inside the API process', async () => {
    const api = new ApiClient(apiProcess.baseUrl);
    const flow = await api.createFlow('call out', graph(
      [node('trigger', 'trigger'), node('call', 'http', { url: `${target.url}/hook`, method: 'POST', body: 'event' }), node('out', 'end')],
      [edge('trigger', 'call'), edge('call', 'out')],
    ));
    const { runId } = await api.trigger(flow.id, { n: 1 });
    const run = await api.waitForRun(runId);
    expect(run.status).toBe('succeeded');
    expect(target.requests.filter((request) => request.path === '/hook')).toHaveLength(1);
  });

  it('refuses to start a worker without BROKER_URL, naming it', async () => {
    const worker = new SluiceProcess('worker', { DATABASE_URL: database.url });
    await expect(worker.start(20_000)).rejects.toThrow();
    expect(worker.output).toMatch(/the worker needs DATABASE_URL and BROKER_URL/);
    await worker.stop();
  });
});
