import { compileFlow, matchTopic, type CompiledFlow, type CompileOptions } from '@sluice/engine';
import type { StorePort, Subscription } from '../ports/store.port';

/** Time a flow's latest version is reused without asking the store, in ms. */
const LATEST_TTL_MS = 1000;

/** The subscribe flows as of one flow revision, compiled. */
export class Subscriptions {
  constructor(
    /** The flow revision they were read at. */
    readonly revision: number,
    private readonly entries: readonly { subscription: Subscription; flow: CompiledFlow }[],
  ) {}

  /** Subscribe flows whose pattern matches the topic, at their latest version as of `revision`. */
  matching(topic: string): { subscription: Subscription; flow: CompiledFlow }[] {
    return this.entries.filter(({ subscription }) => matchTopic(subscription.topic, topic));
  }
}

/**
 * Compiled flow versions, cached: a version is immutable, so an entry never
 * goes stale.
 *
 * Which version is a flow's latest, and whether it is archived, does change:
 * that is cached per flow for `latestTtlMs` (1 s), and dropped at once when
 * the flow is saved or archived through this process. A save or archive made
 * by another process is therefore seen by `latest` within 1 s: meanwhile a
 * trigger may still start a run of the previous version, or of a flow just
 * archived elsewhere.
 *
 * Subscriptions (which flows listen to which topics) carry the flow revision
 * they were read at. They are not trusted on time: a transaction that fans an
 * event out reads the store's revision and, when it moved, has them reloaded
 * (`reload`) and starts again (see RunCommitter).
 */
export class FlowCache {
  private readonly versions = new Map<string, Promise<CompiledFlow | undefined>>();
  /** Per flow id: when its latest version was read, and it compiled (undefined when archived). */
  private readonly latestByFlow = new Map<string, { loadedAt: number; flow: Promise<CompiledFlow | undefined> }>();
  private loaded: Subscriptions | undefined;
  /** Flow changes made through this process, and how many of them `loaded` was read after. */
  private changesHere = 0;
  private changesLoaded = 0;
  private reloading: Promise<Subscriptions> | undefined;

  constructor(
    private readonly store: StorePort,
    /** How long a flow's latest version may be reused before a reload, in ms. */
    private readonly latestTtlMs = LATEST_TTL_MS,
    /** The deployment's limits, compiled into every flow version (the step output limit). */
    private readonly compileOptions: CompileOptions = {},
  ) {}

  /** The latest version of an active flow; undefined when the flow does not exist or is archived. */
  latest(flowId: string): Promise<CompiledFlow | undefined> {
    const cached = this.latestByFlow.get(flowId);
    if (cached && Date.now() - cached.loadedAt <= this.latestTtlMs) return cached.flow;
    const entry = { loadedAt: Date.now(), flow: this.loadLatest(flowId) };
    this.latestByFlow.set(flowId, entry);
    const forget = (): void => {
      if (this.latestByFlow.get(flowId) === entry) this.latestByFlow.delete(flowId);
    };
    // Unknown ids are not kept, so requests naming made-up flows cannot grow the map.
    entry.flow.then((flow) => (flow ? undefined : forget()), forget);
    return entry.flow;
  }

  /** Call after a flow is created, saved or archived in this process: its next `latest` reads the store, and so do subscriptions. */
  invalidate(flowId: string): void {
    this.latestByFlow.delete(flowId);
    this.changesHere += 1;
  }

  private async loadLatest(flowId: string): Promise<CompiledFlow | undefined> {
    const record = await this.store.getFlow(flowId);
    if (!record || record.archived) return undefined;
    return this.version(record.id, record.version);
  }

  /** A specific version; undefined when the flow or version does not exist. */
  version(flowId: string, version: number): Promise<CompiledFlow | undefined> {
    const key = `${flowId}@${version}`;
    let entry = this.versions.get(key);
    if (!entry) {
      entry = this.store.getFlow(flowId, version).then((record) =>
        record ? compileFlow(record.id, record.version, record.graph, this.compileOptions) : undefined,
      );
      entry.catch(() => this.versions.delete(key));
      this.versions.set(key, entry);
    }
    return entry;
  }

  /**
   * The subscriptions as last read, reading them first when they never were
   * or a flow changed through this process since. No store read otherwise:
   * whether they are current is for the caller to check against the store's
   * revision, inside the transaction that uses them.
   */
  subscriptions(): Promise<Subscriptions> {
    return this.reload(0);
  }

  /**
   * Reads the subscriptions again unless those held are at `revision` or
   * later (and no flow changed through this process since). One statement,
   * plus one read per flow version not compiled yet; concurrent callers
   * share it.
   */
  async reload(revision: number): Promise<Subscriptions> {
    // A read already under way may have started before what is asked for: then one more.
    for (let reads = 0; reads < 2 && this.behind(revision); reads++) {
      this.reloading ??= this.read().finally(() => (this.reloading = undefined));
      await this.reloading;
    }
    if (!this.loaded) throw new Error('subscriptions were not read');
    return this.loaded;
  }

  private behind(revision: number): boolean {
    return !this.loaded || this.loaded.revision < revision || this.changesLoaded !== this.changesHere;
  }

  private async read(): Promise<Subscriptions> {
    const changes = this.changesHere;
    const snapshot = await this.store.subscriptionSnapshot();
    const entries: { subscription: Subscription; flow: CompiledFlow }[] = [];
    for (const subscription of snapshot.subscriptions) {
      const flow = await this.version(subscription.flowId, subscription.flowVersion);
      if (flow) entries.push({ subscription, flow });
    }
    const read = new Subscriptions(snapshot.revision, entries);
    // A slower read that started earlier must not replace a newer one.
    if (!this.loaded || this.loaded.revision <= read.revision) {
      this.loaded = read;
      this.changesLoaded = changes;
    }
    return read;
  }
}
