// The trigger driver: a lean process of its own, so that its CPU (read from
// /proc by the parent as `driver`) is never counted as Sluice's. The parent
// forks it with an IPC channel (startDriver in support.mjs):
//
//   node test/bench/driver.mjs <baseUrl> <producerFlowId>
//
// and sends it one command at a time; each is answered with
// { kind: 'done', ... } (or { kind: 'error', message }):
//
//   { kind: 'closed', count, inFlight, firstIndex }  closed loop: `inFlight` triggers waiting for their
//                                                    answer at any time until `count` are accepted
//   { kind: 'open', rate, seconds, firstIndex, maxInFlight }
//                                                    open loop: trigger k is due at k / rate s, whatever
//                                                    the others are doing; one due while `maxInFlight` wait
//                                                    is skipped (and counted)
//
// Triggers go over keep-alive connections of one undici Pool. A trigger
// refused with 503 `overloaded` (backpressure) is sent again at once, in both
// loops. The answer lists, per accepted trigger, its index, when it was first
// sent (epoch ms), how long until its 202 (ms) and how many sends it took; and,
// for the open loop, how late each send left against its schedule.
import { Pool } from 'undici';
import { orderEvent } from './flows.mjs';

const [baseUrl, producerId] = process.argv.slice(2);
if (!baseUrl || !producerId || !process.send) {
  process.stderr.write('usage: fork test/bench/driver.mjs <baseUrl> <producerFlowId> with an IPC channel\n');
  process.exit(2);
}
const path = `/api/flows/${producerId}/events`;
const pool = new Pool(baseUrl, { connections: 256, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One outcome table per command: plain arrays, cheap to send back. */
function outcomes() {
  return { index: [], sentAt: [], answerMs: [], sends: [], lateMs: [], refused: 0, failed: 0, skipped: 0, errors: [] };
}

/** Sends trigger `i` until it is anything but 503 overloaded; records it when accepted. Returns true on a 202. */
async function trigger(i, out) {
  const body = JSON.stringify(orderEvent(i));
  const first = performance.now();
  const sentAt = epochNow();
  for (let sends = 1; ; sends += 1) {
    let statusCode;
    let text;
    try {
      const response = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      out.failed += 1;
      if (out.errors.length < 5) out.errors.push(error instanceof Error ? error.message : String(error));
      return false;
    }
    if (statusCode === 202) {
      out.index.push(i);
      out.sentAt.push(Math.round(sentAt * 10) / 10);
      out.answerMs.push(Math.round((performance.now() - first) * 10) / 10);
      out.sends.push(sends);
      return true;
    }
    if (statusCode === 503 && text.includes('"overloaded"')) {
      out.refused += 1;
      continue;
    }
    out.failed += 1;
    if (out.errors.length < 5) out.errors.push(`${statusCode} ${text.slice(0, 200)}`);
    return false;
  }
}

async function closedLoop({ count, inFlight, firstIndex = 0 }) {
  const out = outcomes();
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = firstIndex + next;
      next += 1;
      await trigger(i, out);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return { ...out, wallMs: performance.now() - started };
}

async function openLoop({ rate, seconds, firstIndex = 0, maxInFlight = 512 }) {
  const out = outcomes();
  const total = Math.max(1, Math.floor(rate * seconds));
  const pending = new Set();
  const started = performance.now();
  for (let k = 0; k < total; ) {
    const now = performance.now();
    for (; k < total && started + (k * 1000) / rate <= now; k += 1) {
      if (pending.size >= maxInFlight) {
        out.skipped += 1;
        continue;
      }
      out.lateMs.push(Math.round((now - started - (k * 1000) / rate) * 10) / 10);
      const sending = trigger(firstIndex + k, out).finally(() => pending.delete(sending));
      pending.add(sending);
    }
    if (k < total) await sleep(Math.max(0, started + (k * 1000) / rate - performance.now()));
  }
  const scheduledMs = performance.now() - started;
  await Promise.all(pending);
  return { ...out, scheduled: total, scheduledMs, wallMs: performance.now() - started };
}

process.on('message', (command) => {
  const run = command.kind === 'closed' ? closedLoop(command) : command.kind === 'open' ? openLoop(command) : Promise.reject(new Error(`unknown command ${command.kind}`));
  run.then(
    (result) => process.send({ kind: 'done', ...result }),
    (error) => process.send({ kind: 'error', message: error instanceof Error ? error.stack : String(error) }),
  );
});
process.on('disconnect', () => {
  void pool.close().finally(() => process.exit(0));
});
process.send({ kind: 'ready' });
