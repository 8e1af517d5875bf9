// The benchmark's SQS and SNS broker: the fauxqs emulator
// (test/support/fauxqs/server.mjs) in a child process of its own on a free
// loopback port, with everything Sluice's processes need to use it, and the
// depth of Sluice's two queues on it. The emulator keeps its queues in
// memory and exits when its stdin closes, so a killed benchmark leaves
// nothing of it behind.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Any region works against the emulator, as long as the clients and the URL agree. */
const REGION = 'us-east-1';
/** How long the emulator may take to listen, ms (it takes about half a second). */
const START_TIMEOUT_MS = 15_000;

/** `fauxqs <version>`, as installed. */
export const EMULATOR = `fauxqs ${JSON.parse(readFileSync(join(ROOT, 'node_modules', 'fauxqs', 'package.json'), 'utf8')).version}`;

/**
 * Starts the emulator; `stop` (also registered in `cleanups`) ends it.
 * Returns it as a process of the benchmark's (its CPU is measured), with its
 * endpoint.
 */
export async function startEmulator(cleanups) {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'support', 'fauxqs', 'server.mjs')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  cleanups.unshift(stop);
  const endpoint = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (message) => {
      clearTimeout(timer);
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`${message}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`fauxqs did not listen within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      const parsed = JSON.parse(line);
      if (typeof parsed.endpoint === 'string') resolve(parsed.endpoint);
      else fail(`unexpected first line from fauxqs: ${line}`);
    });
    child.once('exit', (code) => fail(`fauxqs exited with code ${code} before listening`));
  });
  // The emulator writes nothing more; its output is drained so that it never blocks.
  child.stdout.resume();
  return { name: 'emulator', child, endpoint, stop, exited, output: () => stderr };
}

/**
 * What a Sluice process needs to use SQS and SNS on the emulator under
 * `namespace`: BROKER_URL with the adapter's production defaults (30 s
 * visibility timeout, 20 s long polls), and credentials for the AWS SDK,
 * which the emulator ignores (without them the SDK would look for an
 * instance role).
 */
export function sqsEnv(endpoint, namespace) {
  return {
    BROKER_URL: `sqs://${REGION}?endpoint=${encodeURIComponent(endpoint)}&namespace=${encodeURIComponent(namespace)}`,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * Messages waiting (visible) in Sluice's steps and ingest queues on the
 * emulator, once they exist; `destroy` closes the client (registered in
 * `cleanups`).
 */
export function sqsQueueDepths(cleanups, endpoint, namespace) {
  const client = new SQSClient({ region: REGION, endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  cleanups.unshift(() => client.destroy());
  const urls = new Map();
  const depth = async (queue) => {
    const QueueName = `${namespace}-${queue}`;
    if (!urls.has(QueueName)) urls.set(QueueName, (await client.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: urls.get(QueueName), AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(Attributes?.ApproximateNumberOfMessages);
  };
  return async () => {
    const [steps, ingest] = await Promise.all([depth('sluice-steps'), depth('sluice-ingest')]);
    return { steps, ingest };
  };
}
