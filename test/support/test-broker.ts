import { awsEnvironment, deleteSqsNamespace, randomSqsNamespace, sqsBrokerUrl, startFauxqs } from './fauxqs';
import { deleteNamespace, rabbitMqUrl, randomNamespace } from './rabbitmq';
import { TcpProxy } from './tcp-proxy';

/** The brokers of production mode in tests: the local RabbitMQ, or SQS and SNS on an emulator of their own. */
export type BrokerKind = 'rabbitmq' | 'sqs';

/**
 * SQS timings for tests, given in BROKER_URL as an operator gives them: a
 * message a dead worker held reappears 3 s after it was received or last
 * extended (30 s by default), and a long poll gives up after 1 s (20 s), so a
 * consumer stops, and a process closes, within about a second.
 */
export const SQS_TEST_TIMINGS = { visibilityTimeoutSec: 3, waitTimeSec: 1 } as const;

/** A broker namespace of a test's own (and, for SQS, its emulator). */
export interface TestBroker {
  kind: BrokerKind;
  /**
   * What a Sluice process needs to use it: BROKER_URL (and BROKER_NAMESPACE),
   * and for SQS the AWS SDK's variables that test/support/fauxqs.ts set, which
   * a child process does not inherit.
   */
  env: Record<string, string>;
  /** A proxy (not started) in front of the broker's server. */
  proxy(): TcpProxy;
  /** `env` with the broker reached through `proxy`. */
  envThrough(proxy: TcpProxy): Record<string, string>;
  /** Deletes what Sluice declared under the namespace, and stops the emulator of SQS. */
  remove(): Promise<void>;
}

/** Opens a namespace on the local RabbitMQ, or starts an SQS/SNS emulator with a namespace on it. */
export async function startTestBroker(kind: BrokerKind): Promise<TestBroker> {
  switch (kind) {
    case 'rabbitmq': {
      const namespace = randomNamespace();
      const withUrl = (url: string): Record<string, string> => ({ BROKER_URL: url, BROKER_NAMESPACE: namespace });
      return {
        kind,
        env: withUrl(rabbitMqUrl()),
        proxy: () => TcpProxy.forUrl(rabbitMqUrl(), 5672),
        envThrough: (proxy) => withUrl(proxy.url(rabbitMqUrl())),
        remove: () => deleteNamespace(namespace),
      };
    }
    case 'sqs': {
      const fauxqs = await startFauxqs();
      const namespace = randomSqsNamespace();
      const withEndpoint = (endpoint: string): Record<string, string> => ({
        ...awsEnvironment(),
        BROKER_URL: `${sqsBrokerUrl(endpoint, namespace)}&visibilityTimeout=${SQS_TEST_TIMINGS.visibilityTimeoutSec}&waitTime=${SQS_TEST_TIMINGS.waitTimeSec}`,
      });
      return {
        kind,
        env: withEndpoint(fauxqs.endpoint),
        proxy: () => TcpProxy.forUrl(fauxqs.endpoint, 80),
        envThrough: (proxy) => withEndpoint(proxy.url(fauxqs.endpoint)),
        remove: async () => {
          try {
            await deleteSqsNamespace(fauxqs.endpoint, namespace);
          } finally {
            await fauxqs.stop();
          }
        },
      };
    }
  }
}
