import type { FlowGraph } from '@sluice/contracts';
import { newHttpNodes, parseStub, parseStubs, STUB_MAX_BYTES } from './replayStubs';

describe('parseStub', () => {
  it('reads status, headers and body', () => {
    expect(parseStub('{ "status": 201, "headers": { "x-id": "7" }, "body": { "ok": true } }')).toEqual({
      ok: true, stub: { status: 201, headers: { 'x-id': '7' }, body: { ok: true } },
    });
  });

  it('keeps a null body, and reads an empty field as no stub', () => {
    expect(parseStub('{ "body": null }')).toEqual({ ok: true, stub: { body: null } });
    expect(parseStub('  \n')).toEqual({ ok: true, stub: undefined });
  });

  it('refuses text that is not JSON, or not an object', () => {
    expect(parseStub('{ status: 200 }')).toMatchObject({ ok: false, error: expect.stringMatching(/^Not valid JSON: /) as unknown });
    expect(parseStub('[200]')).toMatchObject({ ok: false, error: expect.stringMatching(/^A stub is an object/) as unknown });
    expect(parseStub('200')).toMatchObject({ ok: false });
  });

  it('refuses unknown fields, a status out of range and headers that are not strings', () => {
    expect(parseStub('{ "code": 200 }')).toEqual({ ok: false, error: 'Unknown field "code": a stub has status, headers and body' });
    expect(parseStub('{ "status": 199 }')).toEqual({ ok: false, error: 'status is an HTTP status, 200–599' });
    expect(parseStub('{ "status": 200.5 }')).toEqual({ ok: false, error: 'status is an HTTP status, 200–599' });
    expect(parseStub('{ "status": "200" }')).toEqual({ ok: false, error: 'status is an HTTP status, 200–599' });
    expect(parseStub('{ "headers": { "x": 1 } }')).toEqual({ ok: false, error: 'headers is an object of strings' });
  });

  it('refuses a stub larger than the API takes', () => {
    const body = 'x'.repeat(STUB_MAX_BYTES);
    expect(parseStub(JSON.stringify({ body }))).toEqual({ ok: false, error: 'A stub is at most 64 KiB as JSON' });
    // Measured as the JSON sent, so indentation in the field does not count.
    expect(parseStub(JSON.stringify({ body: 'x'.repeat(STUB_MAX_BYTES - 20) }, null, 40))).toMatchObject({ ok: true });
    expect(parseStub(JSON.stringify({ body: 'é'.repeat(STUB_MAX_BYTES / 2) }))).toMatchObject({ ok: false });
  });
});

describe('parseStubs', () => {
  it('gives the stubs to send and the fields in error, by node id, leaving empty fields out', () => {
    expect(parseStubs({ a: '{ "status": 204 }', b: '', c: 'nope' })).toEqual({
      stubs: { a: { status: 204 } },
      errors: { c: expect.stringMatching(/^Not valid JSON/) as unknown },
    });
  });
});

describe('newHttpNodes', () => {
  const saved: FlowGraph = {
    nodes: [
      { id: 'start', type: 'trigger', position: { x: 0, y: 0 }, data: {} },
      { id: 'call', type: 'http', position: { x: 0, y: 0 }, data: {} },
      { id: 'shape', type: 'transform', position: { x: 0, y: 0 }, data: {} },
    ],
    edges: [],
  };

  it('names http nodes the saved graph has no http node for', () => {
    const draft: FlowGraph = {
      nodes: [...saved.nodes, { id: 'audit', type: 'http', position: { x: 0, y: 0 }, data: {} }, { id: 'shape-2', type: 'transform', position: { x: 0, y: 0 }, data: {} }],
      edges: [],
    };
    expect(newHttpNodes(draft, saved)).toEqual(['audit']);
  });

  it('counts a node that became http under an old id as new, and every http node as new without a saved graph', () => {
    const draft: FlowGraph = { nodes: [{ id: 'call', type: 'http', position: { x: 0, y: 0 }, data: {} }, { id: 'shape', type: 'http', position: { x: 0, y: 0 }, data: {} }], edges: [] };
    expect(newHttpNodes(draft, saved)).toEqual(['shape']);
    expect(newHttpNodes(draft, undefined)).toEqual(['call', 'shape']);
  });
});
