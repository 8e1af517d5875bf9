import type { FlowGraph, ReplayStub } from '@sluice/contracts';

/** The largest stub the API takes, as JSON in UTF-8 bytes (docs/rest-api.md#replays). */
export const STUB_MAX_BYTES = 64 * 1024;

const STUB_FIELDS = new Set(['status', 'headers', 'body']);

export type StubParse = { ok: true; stub: ReplayStub | undefined } | { ok: false; error: string };

/**
 * Reads the text of one stub field: empty is no stub, anything else must be
 * a JSON object with `status` (an HTTP status, 200–599, as the API takes),
 * `headers` (string values) and `body` (any JSON), each optional, within
 * {@link STUB_MAX_BYTES}.
 */
export function parseStub(text: string): StubParse {
  if (text.trim() === '') return { ok: true, stub: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isObject(value)) return { ok: false, error: 'A stub is an object, e.g. { "status": 200, "body": { "ok": true } }' };
  const unknown = Object.keys(value).find((key) => !STUB_FIELDS.has(key));
  if (unknown !== undefined) return { ok: false, error: `Unknown field "${unknown}": a stub has status, headers and body` };
  const stub: ReplayStub = {};
  if (value['status'] !== undefined) {
    const status = value['status'];
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return { ok: false, error: 'status is an HTTP status, 200–599' };
    stub.status = status;
  }
  if (value['headers'] !== undefined) {
    const headers = value['headers'];
    if (!isObject(headers) || Object.values(headers).some((header) => typeof header !== 'string')) return { ok: false, error: 'headers is an object of strings' };
    stub.headers = headers as Record<string, string>;
  }
  if ('body' in value) stub.body = value['body'];
  if (new TextEncoder().encode(JSON.stringify(stub)).length > STUB_MAX_BYTES) return { ok: false, error: `A stub is at most ${STUB_MAX_BYTES / 1024} KiB as JSON` };
  return { ok: true, stub };
}

/** Every stub field read at once: the stubs to send, by node id, and the fields that do not parse. */
export function parseStubs(texts: Readonly<Record<string, string>>): { stubs: Record<string, ReplayStub>; errors: Record<string, string> } {
  const stubs: Record<string, ReplayStub> = {};
  const errors: Record<string, string> = {};
  for (const [nodeId, text] of Object.entries(texts)) {
    const parsed = parseStub(text);
    if (!parsed.ok) errors[nodeId] = parsed.error;
    else if (parsed.stub) stubs[nodeId] = parsed.stub;
  }
  return { stubs, errors };
}

/**
 * The `http` nodes of `subject` that the recorded runs cannot answer because
 * the saved graph has no `http` node of that id: nodes new in the draft. (An
 * http node the original runs never reached cannot be told from the graphs;
 * the form offers a stub for any other http node on request.)
 */
export function newHttpNodes(subject: FlowGraph, saved: FlowGraph | undefined): string[] {
  const known = new Set((saved?.nodes ?? []).filter((node) => node.type === 'http').map((node) => node.id));
  return subject.nodes.filter((node) => node.type === 'http' && !known.has(node.id)).map((node) => node.id);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
