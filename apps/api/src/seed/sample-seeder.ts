import type { FlowService } from '@sluice/runtime';
import { fulfilmentFlow, ordersFlow } from './sample-flows';

/**
 * Seeds the two sample flows into an empty store (the first start only) and
 * returns the id of the orders flow, seeded now or earlier, for the start-up hint.
 */
export async function seedSampleFlows(flows: FlowService, baseUrl: string): Promise<{ ordersFlowId?: string; seeded: boolean }> {
  // The samples are the oldest flows when they exist, so the first page holds them.
  const existing = (await flows.list({ limit: 500 })).items;
  if (existing.length > 0) {
    return { ordersFlowId: existing.find((flow) => flow.name === 'orders' && !flow.archived)?.id, seeded: false };
  }
  const orders = await flows.create(ordersFlow());
  await flows.create(fulfilmentFlow(`${baseUrl}/demo/fulfil`));
  return { ordersFlowId: orders.id, seeded: true };
}
