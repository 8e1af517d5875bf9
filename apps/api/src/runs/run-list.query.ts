import { RUN_STATUSES } from '@sluice/contracts';
import { RUN_QUERY_LIMITS } from '@sluice/runtime';
import { z } from 'zod';
import { parseRequest, queryInteger, RequestValidationError } from '../common/request-validation';

/** Query parameters that name a search key: `key.<name>=<value>`. */
const KEY_PREFIX = 'key.';

const listQuery = z.object({
  flowId: z.string().uuid().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  limit: queryInteger(1, 500).default(50),
  cursor: z.string().max(500).optional(),
  q: z.string().trim().min(1, 'a JSONata expression').max(RUN_QUERY_LIMITS.maxQueryLength).optional(),
});

type ListQuery = z.output<typeof listQuery>;
type Paging = Pick<ListQuery, 'status' | 'limit' | 'cursor'>;

/** What `GET /api/runs` asks for: a plain list, a search key lookup, or a payload search (docs/rest-api.md#searching-runs). */
export type RunListRequest =
  | { kind: 'list'; query: Paging & { flowId?: string } }
  | { kind: 'key'; query: Paging & { flowId: string; name: string; value: string } }
  | { kind: 'payload'; query: Paging & { flowId: string; q: string } };

/**
 * Reads the runs list's query: the list's own parameters, plus either `q`
 * or exactly one `key.<name>`, each of which needs `flowId`. Whether the flow
 * declares the key, and whether `q` parses, is the search's to say.
 */
export function parseRunListQuery(raw: unknown): RunListRequest {
  const { q, ...paging } = parseRequest(listQuery, raw);
  const keys = Object.entries(typeof raw === 'object' && raw !== null ? raw : {}).filter(([name]) => name.startsWith(KEY_PREFIX));
  const issues: { path: string; message: string }[] = [];
  if (keys.length > 1) issues.push({ path: keys[1]?.[0] ?? 'key', message: `one search key per request; got ${keys.map(([name]) => name).join(', ')}` });
  if (keys.length > 0 && q !== undefined) issues.push({ path: 'q', message: 'a search key and q cannot be combined; pass one of them' });
  const [key] = keys;
  if (key !== undefined && key[0] === KEY_PREFIX) issues.push({ path: key[0], message: 'name the search key: key.<name>=<value>' });
  if (key !== undefined && typeof key[1] !== 'string') issues.push({ path: key[0], message: 'give the value once' });
  if ((key !== undefined || q !== undefined) && paging.flowId === undefined) {
    issues.push({ path: 'flowId', message: `required to search by ${q === undefined ? 'a search key' : 'q'}` });
  }
  if (issues.length > 0) throw new RequestValidationError(issues);
  const flowId = paging.flowId as string;
  if (key !== undefined) return { kind: 'key', query: { ...paging, flowId, name: key[0].slice(KEY_PREFIX.length), value: key[1] as string } };
  if (q !== undefined) return { kind: 'payload', query: { ...paging, flowId, q } };
  return { kind: 'list', query: paging };
}
