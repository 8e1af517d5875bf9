import { gzipSync } from 'node:zlib';
import type { RunState } from '@sluice/contracts';
import { fastRetry, httpFlow } from '../support/graphs';
import { sluiceSuite } from '../support/sluice-harness';

const MiB = 1024 * 1024;
const step = (run: RunState, nodeId = 'call') => run.steps.find((candidate) => candidate.nodeId === nodeId);

/** 10 MiB of zeros gzipped: about 10 KiB on the wire. */
const TEN_MIB_OF_ZEROS = gzipSync(Buffer.alloc(10 * MiB), { level: 9 });
/** Gzip members may be concatenated: this many copies decompress to 50 GiB from about 50 MiB on the wire. */
const BOMB_COPIES = 5000;

describe('http response bodies are bounded by the step output limit after decompression', () => {
  const suite = sluiceSuite('server');

  beforeEach(() => {
    suite.target.requests.length = 0;
    suite.target.bytesSent = 0;
  });

  const runAgainst = async (name: string): Promise<RunState> => {
    const flow = await suite.api.createFlow(name, httpFlow(`${suite.target.url}/${name}`, fastRetry(3)));
    const { runId } = await suite.api.trigger(flow.id, {});
    return suite.api.waitForRun(runId);
  };

  it('fails the step for good on a 10 MiB gzip bomb of 10 KiB, naming the limit', async () => {
    expect(TEN_MIB_OF_ZEROS.length).toBeLessThan(64 * 1024);
    suite.target.reply({ status: 200, raw: TEN_MIB_OF_ZEROS, headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' } });

    const run = await runAgainst('small-bomb');

    expect(run.status).toBe('failed');
    expect(step(run)).toMatchObject({
      status: 'dead', attempts: 1,
      error: { code: 'output_too_large', retryable: false, message: expect.stringMatching(/step output limit of 1048576 bytes \(SLUICE_MAX_STEP_OUTPUT\)/) },
    });
    expect(suite.target.requests).toHaveLength(1);
  });

  it('stops reading a 50 GiB gzip bomb at the limit: the heap stays small and the worker runs the next run', async () => {
    suite.target.reply({
      status: 200,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      stream: async function* () {
        for (let copy = 0; copy < BOMB_COPIES; copy += 1) yield TEN_MIB_OF_ZEROS;
      },
    });
    global.gc?.();
    const before = process.memoryUsage();

    const run = await runAgainst('big-bomb');

    const after = process.memoryUsage();
    expect(step(run)).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'output_too_large', retryable: false } });
    // The body was abandoned near its start: the target could send little more than the socket buffers hold.
    expect(suite.target.bytesSent).toBeLessThan(20 * MiB);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(64 * MiB);
    expect(after.rss - before.rss).toBeLessThan(200 * MiB);

    suite.target.reply({ status: 200, body: { fine: true } });
    const next = await runAgainst('after-the-bomb');
    expect(next.status).toBe('succeeded');
    expect(step(next)?.output).toMatchObject({ status: 200, body: { fine: true } });
  });

  it('stops an endless plain body at the limit', async () => {
    suite.target.reply({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      stream: async function* () {
        const chunk = Buffer.alloc(64 * 1024, 'a');
        for (;;) yield chunk;
      },
    });

    const run = await runAgainst('endless');

    expect(step(run)).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'output_too_large', retryable: false } });
  });

  it('decodes a compressed body under the limit into the step output', async () => {
    const document = { items: Array.from({ length: 2000 }, (_, index) => ({ index, text: 'x'.repeat(100) })) };
    const wire = gzipSync(JSON.stringify(document));
    suite.target.reply({ status: 200, raw: wire, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });

    const run = await runAgainst('compressed-ok');

    expect(run.status).toBe('succeeded');
    expect(step(run)?.output).toMatchObject({ status: 200, body: document });
    expect(suite.target.requests[0]?.headers['accept-encoding']).toMatch(/gzip/);
  });
});
