import { InitialSchema1767225600000 } from './1767225600000-initial-schema';
import { PublishChains1767312000000 } from './1767312000000-publish-chains';
import { StepDueAt1767398400000 } from './1767398400000-step-due-at';
import { StepDeliveries1767484800000 } from './1767484800000-step-deliveries';
import { FlowRevision1767571200000 } from './1767571200000-flow-revision';
import { HistoryBatches1767657600000 } from './1767657600000-history-batches';
import { ExpectFlowRevision1767744000000 } from './1767744000000-expect-flow-revision';
import { RunSearchKeys1767830400000 } from './1767830400000-run-search-keys';
import { Replays1767916800000 } from './1767916800000-replays';
import { RunsFlowActive1768003200000 } from './1768003200000-runs-flow-active';

/** Every migration, oldest first. Add new ones at the end; never edit a released one. */
export const STORE_MIGRATIONS = [
  InitialSchema1767225600000, PublishChains1767312000000, StepDueAt1767398400000, StepDeliveries1767484800000, FlowRevision1767571200000,
  HistoryBatches1767657600000, ExpectFlowRevision1767744000000, RunSearchKeys1767830400000, Replays1767916800000,
  RunsFlowActive1768003200000,
];
