import type { FlowGraph } from '@sluice/contracts';
import { buildReplayRequest, DEFAULT_REPLAY_FORM, type ReplayFormValues } from './replayRequest';

const draft: FlowGraph = { nodes: [{ id: 'start', type: 'trigger', position: { x: 0, y: 0 }, data: {} }], edges: [] };

function setup(values: Partial<ReplayFormValues>, stubNodes: string[] = []) {
  return buildReplayRequest({ ...DEFAULT_REPLAY_FORM, ...values }, draft, stubNodes);
}

describe('buildReplayRequest', () => {
  it('sends the draft and the last 20 events by default', () => {
    expect(setup({})).toEqual({ ok: true, request: { graph: draft, limit: 20 } });
  });

  it('sends a saved version instead of the draft, with from, to, q and the stubs shown', () => {
    const built = setup(
      { subject: 3, limit: '500', from: '2026-01-01T10:00', to: '2026-01-02T10:00', q: ' amount > 100 ', stubs: { audit: '{ "status": 202 }', gone: '{ "status": 500 }' } },
      ['audit'],
    );
    expect(built).toEqual({
      ok: true,
      request: {
        version: 3, limit: 500, q: 'amount > 100', stubs: { audit: { status: 202 } },
        from: new Date('2026-01-01T10:00').toISOString(), to: new Date('2026-01-02T10:00').toISOString(),
      },
    });
  });

  it('refuses a limit that is not a whole number from 1 to 10,000', () => {
    for (const limit of ['0', '10001', '2.5', '', 'many']) {
      expect(setup({ limit })).toEqual({ ok: false, errors: { limit: 'A whole number from 1 to 10,000' } });
    }
    expect(setup({ limit: '10000' })).toMatchObject({ ok: true });
  });

  it('refuses times that do not parse and a range that ends before it starts', () => {
    expect(setup({ from: 'yesterday' })).toEqual({ ok: false, errors: { from: 'Not a date and time' } });
    expect(setup({ from: '2026-01-02T00:00', to: '2026-01-01T00:00' })).toEqual({ ok: false, errors: { to: 'Before "from"' } });
  });

  it('names the stub fields that do not parse', () => {
    expect(setup({ stubs: { audit: '{ "status": 1000 }' } }, ['audit'])).toEqual({ ok: false, errors: { stubs: { audit: 'status is an HTTP status, 200–599' } } });
  });
});
