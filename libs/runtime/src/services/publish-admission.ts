import { refuseByBudget, refuseByDepth, type PublishAdmission, type PublishIntent, type PublishLimits } from '@sluice/engine';
import type { ChainRunCount, RunTransaction } from '../ports/store.port';
import { refuseBySize } from './event-size';

const GRANTED: PublishAdmission = { kind: 'publish', granted: true };

/** What admission checks a publish step against. */
export interface AdmissionLimits extends PublishLimits {
  /** Largest message the broker carries, in bytes (BrokerPort.maxMessageBytes); unset: no limit. */
  maxMessageBytes?: number;
}

/** The refusal of a step past the chain's depth, or whose event the broker cannot carry; undefined when neither. */
function refuseOutright(intent: PublishIntent, limits: AdmissionLimits): PublishAdmission | undefined {
  return refuseByDepth(intent, limits) ?? refuseBySize(intent, limits.maxMessageBytes);
}

/** Key of a publish step's admission: one per run and node. */
export function publishKey(runId: string, nodeId: string): string {
  return `${runId}\u0000${nodeId}`;
}

/**
 * Decides, inside the transaction that will record them, whether publish
 * steps may publish: a step past the chain's depth, or whose event is larger
 * than the broker carries, is refused outright; the
 * others ask the chain's run budget for their fan-out, which is counted
 * (row-locked until commit) when granted. The caller must fan every granted
 * step out to exactly `fanOut(topic)` runs in the same transaction: the
 * count is what the budget holds. `fanOut` is asked only for steps within
 * the depth (it may read the flow revision through `tx`). A step named twice
 * is admitted once.
 */
export async function admitPublishes(
  tx: RunTransaction,
  intents: readonly PublishIntent[],
  fanOut: (topic: string) => Promise<number>,
  limits: AdmissionLimits,
): Promise<Map<string, PublishAdmission>> {
  const admissions = new Map<string, PublishAdmission>();
  const asking: { key: string; intent: PublishIntent; runs: number }[] = [];
  const seen = new Set<string>();
  for (const intent of intents) {
    const key = publishKey(intent.runId, intent.nodeId);
    if (seen.has(key)) continue;
    seen.add(key);
    const refusal = refuseOutright(intent, limits);
    if (refusal) admissions.set(key, refusal);
    else asking.push({ key, intent, runs: await fanOut(intent.topic) });
  }
  if (asking.length === 0) return admissions;
  const grants = await tx.reserveChainRuns(
    asking.map(({ intent, runs }) => ({ originEventId: intent.chain.originEventId, runs })),
    limits.maxChainRuns,
  );
  asking.forEach(({ key, intent, runs }, index) => {
    const grant = grants[index];
    if (!grant) throw new Error(`reserveChainRuns answered ${grants.length} of ${asking.length} requests`);
    admissions.set(key, grant.granted ? GRANTED : refuseByBudget(intent, runs, grant.used, limits));
  });
  return admissions;
}

/**
 * Admission for the publish steps of runs a commit starts over REST, whose
 * chain's origin is their own new event: nothing has counted runs for it
 * yet, so the budget needs no read. A step within the depth, whose event the
 * broker can carry, is granted while
 * the runs granted for its origin, its fan-out included, stay within the
 * budget, exactly as `admitPublishes` would decide from a count of 0. The
 * counts go into the commit's own statement (`chainRuns`), for later hops to
 * add to, and are kept only if the run is inserted.
 */
export class NewChainAdmission {
  private readonly counted = new Map<string, { runs: number; runId: string }>();

  constructor(
    private readonly fanOut: (topic: string) => number,
    private readonly limits: AdmissionLimits,
  ) {}

  async admit(intents: readonly PublishIntent[]): Promise<Map<string, PublishAdmission>> {
    const admissions = new Map<string, PublishAdmission>();
    for (const intent of intents) {
      const key = publishKey(intent.runId, intent.nodeId);
      if (admissions.has(key)) continue;
      const refusal = refuseOutright(intent, this.limits);
      if (refusal) {
        admissions.set(key, refusal);
        continue;
      }
      const runs = this.fanOut(intent.topic);
      const used = this.counted.get(intent.chain.originEventId)?.runs ?? 0;
      if (runs > 0 && used + runs > this.limits.maxChainRuns) {
        admissions.set(key, refuseByBudget(intent, runs, used, this.limits));
        continue;
      }
      if (runs > 0) this.counted.set(intent.chain.originEventId, { runs: used + runs, runId: intent.runId });
      admissions.set(key, GRANTED);
    }
    return admissions;
  }

  /** The runs granted so far, per origin, with the run whose insert they depend on. */
  chainRuns(): ChainRunCount[] {
    return [...this.counted].map(([originEventId, { runs, runId }]) => ({ originEventId, runs, insertedWith: runId }));
  }
}
