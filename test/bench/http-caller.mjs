// Per-call cost of the `http` node's caller against a loopback server:
// sequential calls, then 20 in flight, median of 3 rounds of HTTP_BENCH_CALLS
// (default 2000) POSTs each, with and without the private-address guard (the
// guard lets 127.0.0.1 through here). Runs over the built dist:
//
//   node scripts/build.mjs && node test/bench/http-caller.mjs
import { createRequire } from 'node:module';
import { createServer } from 'node:http';

const require = createRequire(import.meta.url);
const { UndiciHttpCaller, PrivateAddressGuard, isNonPublicAddress } = require('../../libs/platform/dist/index.js');
const CALLS = Number(process.env.HTTP_BENCH_CALLS ?? 2000);

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const spec = { url: `http://127.0.0.1:${server.address().port}/hook`, method: 'POST', headers: {}, body: '{"id":1}', timeoutMs: 5000 };

async function measure(caller, inFlight) {
  const perCall = [];
  for (let round = 0; round < 3; round += 1) {
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next++ < CALLS) {
        const effect = await caller.call(spec);
        if (effect.response?.status !== 200) throw new Error(JSON.stringify(effect));
      }
    }));
    perCall.push(Number(process.hrtime.bigint() - started) / 1e3 / CALLS);
  }
  return perCall.sort((a, b) => a - b)[1];
}

const callers = {
  unguarded: new UndiciHttpCaller({ maxBodyBytes: 1024 * 1024 }),
  guarded: new UndiciHttpCaller({
    maxBodyBytes: 1024 * 1024,
    guard: new PrivateAddressGuard({ refuses: (address) => address !== '127.0.0.1' && isNonPublicAddress(address) }),
  }),
};
for (const [name, caller] of Object.entries(callers)) {
  for (let warm = 0; warm < 200; warm += 1) await caller.call(spec);
  const sequential = await measure(caller, 1);
  const concurrent = await measure(caller, 20);
  console.log(`${name}: ${sequential.toFixed(0)} µs/call sequential, ${concurrent.toFixed(0)} µs/call with 20 in flight`);
  await caller.close();
}
server.close();
