import { loadSettings } from '@sluice/config';
import { createLogger, openPlatform, type Platform } from '@sluice/platform';
import type { Delivery, StepMessage } from '@sluice/runtime';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { deleteNamespace, rabbitMqUrl, randomNamespace } from '../support/rabbitmq';
import { TcpProxy } from '../support/tcp-proxy';

/** One structured log line, as pino wrote it. */
interface LogLine {
  level: number;
  component?: string;
  msg: string;
}

/** A logger over `settings` whose lines land in `lines` instead of stdout. */
function capturingLogger(settings: ReturnType<typeof loadSettings>, lines: LogLine[]) {
  return createLogger(settings, { service: 'sluice-test', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
}

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('brokers log through the platform logger', () => {
  let database: TestDatabase;
  let platform: Platform | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('server');
  });

  afterEach(async () => {
    await platform?.close();
    platform = undefined;
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('RabbitMQ: a lost connection is logged as lost, and its recovery as reconnected', async () => {
    const proxy = await TcpProxy.forUrl(rabbitMqUrl(), 5672).start();
    const namespace = randomNamespace();
    const settings = loadSettings({
      DATABASE_URL: database.url, AMQP_URL: proxy.url(rabbitMqUrl()), AMQP_NAMESPACE: namespace, LOG_LEVEL: 'info', SLUICE_SEED_SAMPLES: 'false',
    });
    const lines: LogLine[] = [];
    try {
      platform = await openPlatform(settings, capturingLogger(settings, lines), { worker: true });
      expect(platform.broker.isReady()).toBe(true);
      const brokerLines = () => lines.filter((line) => line.component === 'RabbitMqBroker').map((line) => line.msg);
      expect(brokerLines()).toEqual([]);

      expect(proxy.cut()).toBeGreaterThan(0);
      await until('the loss being logged', () => brokerLines().includes('RabbitMQ connection lost; reconnecting'));
      await until('the recovery being logged', () => brokerLines().includes('RabbitMQ reconnected'));
      expect(platform.broker.isReady()).toBe(true);
      const lost = lines.find((line) => line.msg === 'RabbitMQ connection lost; reconnecting');
      expect(lost?.level).toBe(40);
      expect(brokerLines().indexOf('RabbitMQ connection lost; reconnecting')).toBeLessThan(brokerLines().indexOf('RabbitMQ reconnected'));
    } finally {
      await platform?.close();
      platform = undefined;
      await proxy.stop();
      await deleteNamespace(namespace);
    }
  });

  it('in-process broker: a consumer handler that throws is logged, and its batch is redelivered', async () => {
    const settings = loadSettings({ DATABASE_URL: database.url, LOG_LEVEL: 'info', SLUICE_SEED_SAMPLES: 'false' });
    const lines: LogLine[] = [];
    platform = await openPlatform(settings, capturingLogger(settings, lines), { worker: false });
    const seen: Delivery<StepMessage>[] = [];
    await platform.broker.consumeSteps(async (batch) => {
      seen.push(...batch);
      if (seen.length === 1) throw new Error('handler broke');
      for (const delivery of batch) delivery.ack();
    }, { prefetch: 1, maxBatch: 1 });

    await platform.broker.publish([{ id: 'step-1', message: { kind: 'step', runId: 'run-1', nodeId: 'call', attempt: 1 } }]);

    expect(seen.map((delivery) => delivery.redelivered)).toEqual([false, true]);
    const failed = lines.find((line) => line.msg.startsWith('consumer handler failed'));
    expect(failed).toMatchObject({ component: 'InProcessBroker', level: 50 });
  });
});
