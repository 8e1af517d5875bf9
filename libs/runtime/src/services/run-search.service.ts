import type { RunQueryPage, RunState, RunStatus } from '@sluice/contracts';
import { searchValues, type EngineClock } from '@sluice/engine';
import type { ScannedRun, StorePort } from '../ports/store.port';
import { DomainError } from '../errors/domain-error';
import type { ConcurrencyLimit } from '../throughput/concurrency-limit';
import type { FlowCache } from './flow-cache';
import { checkPayloadQuery, payloadMatches } from './payload-query';

/**
 * Bounds of one payload search request (docs/rest-api.md#searching-runs). A
 * `q` is evaluated in this process, run by run, so each request is held to a
 * number of runs and a time; its cursor lets the next request go on.
 */
export const RUN_QUERY_LIMITS = Object.freeze({
  /** Runs one request examines, at most. */
  maxScannedRuns: 5000,
  /** Time one request spends scanning, in ms; the run being examined when it passes finishes first. */
  maxScanMs: 2000,
  /** Time `q` may take on one run, in ms; past it the run counts as no match. */
  perRunTimeoutMs: 250,
  /** Runs read from the store at a time. */
  runsPerRead: 250,
  /** Longest `q`, in characters. */
  maxQueryLength: 1000,
  /** JSON a page of matches carries before it ends early, in bytes (8 MiB, as any page of runs); never fewer than one match. */
  maxPageBytes: 8 * 1024 * 1024,
  /** Seconds a `q` refused at SLUICE_SEARCH_MAX_SCANS is told to wait (Retry-After): about one scan's time. */
  busyRetryAfterSeconds: 2,
});

/** Payload scans in progress at once in one process, when the settings say nothing (SLUICE_SEARCH_MAX_SCANS). */
export const DEFAULT_MAX_PAYLOAD_SCANS = 4;

export interface RunKeySearch {
  flowId: string;
  name: string;
  value: string;
  status?: RunStatus;
  limit: number;
  cursor?: string;
}

export interface RunPayloadSearch {
  flowId: string;
  /** A JSONata predicate over the payload that started each run. */
  q: string;
  status?: RunStatus;
  limit: number;
  cursor?: string;
  /** Aborts when the asker is gone (its connection closed): the scan stops before the next run. */
  signal?: AbortSignal;
}

/**
 * Finds a flow's runs by what started them: by a declared search key, from
 * the index the runs' commits wrote, or by a JSONata predicate over each
 * run's payload, scanned newest first within RUN_QUERY_LIMITS, with at most
 * `scans.max` such scans in progress in this process. Reads only.
 */
export class RunSearchService {
  constructor(
    private readonly store: StorePort,
    private readonly flows: FlowCache,
    private readonly clock: EngineClock,
    /** Payload scans in progress in this process (SLUICE_SEARCH_MAX_SCANS); key lookups take none. */
    private readonly scans: ConcurrencyLimit,
  ) {}

  /**
   * Runs whose key `name` has `value`, newest first. A name the flow's
   * latest version does not declare is refused (`invalid_query`, naming the
   * declared ones); a value no run could have indexed finds nothing.
   */
  async byKey(search: RunKeySearch): Promise<{ items: RunState[]; nextCursor: string | null }> {
    const declared = await this.declaredKeys(search.flowId);
    if (!declared.includes(search.name)) {
      const known = declared.length === 0 ? 'it declares none' : `its search keys are ${declared.join(', ')}`;
      throw new DomainError('invalid_query', `Flow ${search.flowId} has no search key "${search.name}"; ${known}`, { searchKeys: declared });
    }
    if (searchValues(search.value)[0] !== search.value) return { items: [], nextCursor: null };
    return this.store.listRunsByKey(search);
  }

  /**
   * The runs whose payload `q` holds for, among those this request
   * examines: newest first from the cursor, until `limit` matches, the
   * page's byte budget, RUN_QUERY_LIMITS.maxScannedRuns runs,
   * RUN_QUERY_LIMITS.maxScanMs, or the asker being gone. A `q` that fails or passes a limit on a run
   * is no match for that run. With every scan slot of this process held, it
   * is refused (`overloaded`) before it reads anything; its slot is given
   * back however the scan ends.
   */
  async byQuery(search: RunPayloadSearch): Promise<RunQueryPage> {
    checkPayloadQuery(search.q);
    const slot = this.scans.take();
    try {
      return await this.scan(search);
    } finally {
      slot.release();
    }
  }

  private async scan(search: RunPayloadSearch): Promise<RunQueryPage> {
    if (!(await this.store.getFlow(search.flowId))) throw new DomainError('not_found', `Flow ${search.flowId} does not exist`);
    const startedAt = this.clock.now().getTime();
    // Out of time, or nobody is left to answer.
    const mustStop = (): boolean =>
      search.signal?.aborted === true || this.clock.now().getTime() - startedAt >= RUN_QUERY_LIMITS.maxScanMs;
    const matches: ScannedRun[] = [];
    let bytes = 0;
    let scanned = 0;
    let cursor = search.cursor;
    let more: boolean;
    scan: do {
      const read = await this.store.scanRuns({
        flowId: search.flowId, ...(search.status ? { status: search.status } : {}), ...(cursor === undefined ? {} : { cursor }),
        limit: Math.min(RUN_QUERY_LIMITS.runsPerRead, RUN_QUERY_LIMITS.maxScannedRuns - scanned),
      });
      more = read.more;
      for (const [index, run] of read.runs.entries()) {
        const matched = await payloadMatches(search.q, run.payload, RUN_QUERY_LIMITS.perRunTimeoutMs);
        // A match that would take the page past its byte budget is left for the next page: the cursor stays before it.
        if (matched && matches.length > 0 && bytes + run.bytes > RUN_QUERY_LIMITS.maxPageBytes) {
          more = true;
          break scan;
        }
        scanned += 1;
        cursor = run.cursor;
        if (matched) {
          matches.push(run);
          bytes += run.bytes;
        }
        if (matches.length >= search.limit || mustStop()) {
          more ||= index < read.runs.length - 1;
          break scan;
        }
      }
    } while (more && scanned < RUN_QUERY_LIMITS.maxScannedRuns && !mustStop());
    const states = await this.store.getRuns(matches.map((run) => run.id));
    return {
      items: matches.flatMap((run) => {
        const state = states.get(run.id);
        return state === undefined ? [] : [state];
      }),
      nextCursor: more ? cursor ?? null : null,
      scanned,
      complete: !more,
    };
  }

  /**
   * Names of the search keys the flow's latest version declares, from the
   * flow cache (triggers keep it warm); an archived flow, which the cache
   * does not hold, is read from the store, since its runs stay searchable.
   * 404 when the flow does not exist.
   */
  private async declaredKeys(flowId: string): Promise<string[]> {
    let flow = await this.flows.latest(flowId);
    if (!flow) {
      const record = await this.store.getFlow(flowId);
      if (!record) throw new DomainError('not_found', `Flow ${flowId} does not exist`);
      flow = await this.flows.version(record.id, record.version);
    }
    return (flow?.searchKeys ?? []).map((key) => key.name);
  }
}
