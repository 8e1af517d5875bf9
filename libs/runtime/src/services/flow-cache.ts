import { compileFlow, matchTopic, type CompiledFlow } from '@sluice/engine';
import type { StorePort, Subscription } from '@sluice/store';

/**
 * Compiled flow versions, cached: a version is immutable, so an entry never
 * goes stale. Subscriptions (which flows listen to which topics) do change;
 * they are reloaded when a flow is saved here and every few seconds for
 * changes made by other processes.
 */
export class FlowCache {
  private readonly versions = new Map<string, Promise<CompiledFlow | undefined>>();
  private subscriptions: { subscription: Subscription; flow: CompiledFlow }[] = [];
  private subscriptionsLoadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly store: StorePort,
    /** How long subscriptions may be reused before a reload, in ms. */
    private readonly subscriptionTtlMs = 2000,
  ) {}

  /** A specific version; undefined when the flow or version does not exist. */
  version(flowId: string, version: number): Promise<CompiledFlow | undefined> {
    const key = `${flowId}@${version}`;
    let entry = this.versions.get(key);
    if (!entry) {
      entry = this.store.getFlow(flowId, version).then((record) =>
        record ? compileFlow(record.id, record.version, record.graph) : undefined,
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
