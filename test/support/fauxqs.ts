import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeleteQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';

/** The emulator's region: any works, as long as clients and URLs agree. */
export const FAUXQS_REGION = 'us-east-1';

/** How long the emulator may take to start listening, ms (it takes about 0.5 s). */
const START_TIMEOUT_MS = 15_000;

// The SDK's default credential chain would otherwise end at the instance
// metadata address; tests may only reach loopback. The emulator ignores credentials.
process.env.AWS_ACCESS_KEY_ID ||= 'test';
process.env.AWS_SECRET_ACCESS_KEY ||= 'test';
process.env.AWS_REGION ||= FAUXQS_REGION;
process.env.AWS_EC2_METADATA_DISABLED ||= 'true';
// The SDK warns once per process that its releases after early 2027 need Node 22 (README, Production on
// AWS); every suite and child process would print it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';

/** The AWS SDK's variables as set above: what a child process needs besides BROKER_URL, since it gets no other environment. */
export function awsEnvironment(): Record<string, string> {
  const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_EC2_METADATA_DISABLED', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  return Object.fromEntries(names.map((name) => [name, process.env[name] ?? '']));
}

export interface Fauxqs {
  /** `http://127.0.0.1:PORT`: the SQS and SNS endpoint. */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the fauxqs SQS/SNS emulator (test/support/fauxqs/server.mjs) as a
 * child process on a free loopback port; each suite runs its own. The child
 * exits when its stdin closes, so it never outlives a crashed test process.
 */
export async function startFauxqs(): Promise<Fauxqs> {
  const child = spawn(process.execPath, [join(__dirname, 'fauxqs', 'server.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`fauxqs did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    function fail(err: Error): void {
      clearTimeout(timer);
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${stderr}`));
    }
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      try {
        const parsed = JSON.parse(line) as { endpoint?: unknown };
        if (typeof parsed.endpoint !== 'string') throw new Error(`unexpected first line from fauxqs: ${line}`);
        resolve(parsed.endpoint);
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once('exit', (code) => fail(new Error(`fauxqs exited with code ${code} before listening`)));
  });
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A fresh namespace, so every test creates its own queues and topics (letters, digits and `-` only, as SQS allows). */
export function randomSqsNamespace(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

/** The broker URL of the SQS adapter on the emulator, as `BROKER_URL` takes it. */
export function sqsBrokerUrl(endpoint: string, namespace: string): string {
  return `sqs://${FAUXQS_REGION}?endpoint=${encodeURIComponent(loopbackEndpoint(endpoint))}&namespace=${encodeURIComponent(namespace)}`;
}

/** Clients for what a test does beside the broker (outside publishers, inspection), on the emulator only. */
export function fauxqsClients(endpoint: string): { sqs: SQSClient; sns: SNSClient; destroy(): void } {
  const config = { region: FAUXQS_REGION, endpoint: loopbackEndpoint(endpoint) };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  return {
    sqs,
    sns,
    destroy: () => {
      sqs.destroy();
      sns.destroy();
    },
  };
}

/** Deletes every queue (notice queues included) and topic named `<namespace>-…`. */
export async function deleteSqsNamespace(endpoint: string, namespace: string): Promise<void> {
  const { sqs, sns, destroy } = fauxqsClients(endpoint);
  const prefix = `${namespace}-`;
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000 }));
    await Promise.all(QueueUrls.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl }))));
    const topicArns: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sns.send(new ListTopicsCommand({ NextToken }));
      for (const { TopicArn } of page.Topics ?? []) if (TopicArn?.split(':').pop()?.startsWith(prefix)) topicArns.push(TopicArn);
      NextToken = page.NextToken;
    } while (NextToken);
    await Promise.all(topicArns.map((TopicArn) => sns.send(new DeleteTopicCommand({ TopicArn }))));
  } finally {
    destroy();
  }
}

/** Refuses any endpoint but loopback, so a test can never touch AWS. */
function loopbackEndpoint(endpoint: string): string {
  const host = new URL(endpoint).hostname;
  if (host !== '127.0.0.1' && host !== '[::1]' && host !== 'localhost') throw new Error(`the SQS test endpoint must be loopback, got host ${host}`);
  return endpoint;
}
