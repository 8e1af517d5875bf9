import { compileFlow, matchTopic, type CompiledFlow, type CompileOptions } from '@sluice/engine';
import type { StorePort, Subscription } from '../ports/store.port';

/** Time a flow's latest version is reused without asking the store, in ms. */
const LATEST_TTL_MS = 1000;

/**
 * Compiled flow versions, cached: a version is immutable, so an entry never
 * goes stale. Which version is a flow's latest, and whether it is archived,
 * does change: that is cached per flow for `latestTtlMs` (1 s), and dropped
 * at once when the flow is saved or archived through this process. A save or
 * archive made by another process is therefore seen here within 1 s:
 * meanwhile a trigger may still start a run of the previous version, or of a
 * flow just archived elsewhere. Subscriptions (which flows listen to which
 * topics) are reloaded when a flow is saved here and every few seconds for
 * changes made by other processes.
 */
export class FlowCache {
  private readonly versions = new Map<string, Promise<CompiledFlow | undefined>>();
  /** Per flow id: when its latest version was read, and it compiled (undefined when archived). */
  private readonly latestByFlow = new Map<string, { loadedAt: number; flow: Promise<CompiledFlow | undefined> }>();
  private subscriptions: { subscription: Subscription; flow: CompiledFlow }[] = [];
  private subscriptionsLoadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly store: StorePort,
    /** How long subscriptions may be reused before a reload, in ms. */
    private readonly subscriptionTtlMs = 2000,
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

  /** Call after a flow is saved or archived in this process: its next `latest` reads the store. */
  invalidate(flowId: string): void {
    this.latestByFlow.delete(flowId);
    this.invalidateSubscriptions();
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

  /** Subscribe flows whose pattern matches the topic, with their compiled latest version. */
  async subscribers(topic: string): Promise<{ subscription: Subscription; flow: CompiledFlow }[]> {
    await this.refreshSubscriptions();
    return this.cachedSubscribers(topic);
  }

  /** Like `subscribers`, without touching the store: safe inside a transaction. */
  cachedSubscribers(topic: string): { subscription: Subscription; flow: CompiledFlow }[] {
    return this.subscriptions.filter(({ subscription }) => matchTopic(subscription.topic, topic));
  }

  /** Reloads subscriptions when they are older than the TTL or were invalidated. */
  async refreshSubscriptions(): Promise<void> {
    if (Date.now() - this.subscriptionsLoadedAt > this.subscriptionTtlMs) await this.reloadSubscriptions();
  }

  /** Call after a flow is created, saved or archived. */
  invalidateSubscriptions(): void {
    this.subscriptionsLoadedAt = 0;
  }

  private reloadSubscriptions(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const subscriptions = await this.store.listSubscriptions();
        const loaded: { subscription: Subscription; flow: CompiledFlow }[] = [];
        for (const subscription of subscriptions) {
          const flow = await this.version(subscription.flowId, subscription.flowVersion);
          if (flow) loaded.push({ subscription, flow });
        }
        this.subscriptions = loaded;
        this.subscriptionsLoadedAt = Date.now();
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }
}
