/**
 * The fauxqs SQS/SNS emulator for one test suite, on a free loopback port
 * (its own CLI listens on every interface). Prints one JSON line,
 * `{"endpoint":"http://127.0.0.1:PORT"}`, once it listens. Exits when its
 * stdin closes or on SIGTERM, so a crashed test process never leaves it behind.
 */
import { register } from 'node:module';

register('./sqlite-absent.mjs', import.meta.url);
const { buildApp } = await import('fauxqs');

const app = buildApp({ logger: false, host: '127.0.0.1' });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (typeof address !== 'object' || address === null) throw new Error('fauxqs is not listening on a TCP port');
process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${address.port}` })}\n`);

/** State lives in memory only, so nothing is lost if a client's open connection keeps close() waiting. */
const CLOSE_GRACE_MS = 500;
let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(0), CLOSE_GRACE_MS).unref();
  app.close().finally(() => process.exit(0));
}
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
