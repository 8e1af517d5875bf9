import { refuseByBudget, refuseByDepth, type PublishAdmission, type PublishIntent, type PublishLimits } from '@sluice/engine';
import type { RunTransaction } from '../ports/store.port';

const GRANTED: PublishAdmission = { kind: 'publish', granted: true };

/** Key of a publish step's admission: one per run and node. */
export function publishKey(runId: string, nodeId: string): string {
  return `${runId}\u0000${nodeId}`;
}

/**
 * Decides, inside the transaction that will record them, whether publish
 * steps may publish: a step past the chain's depth is refused outright; the
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
  limits: PublishLimits,
): Promise<Map<string, PublishAdmission>> {
  const admissions = new Map<string, PublishAdmission>();
  const asking: { key: string; intent: PublishIntent; runs: number }[] = [];
  const seen = new Set<string>();
  for (const intent of intents) {
    const key = publishKey(intent.runId, intent.nodeId);
    if (seen.has(key)) continue;
    seen.add(key);
    const refusal = refuseByDepth(intent, limits);
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
