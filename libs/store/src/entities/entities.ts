import { DeadLetterEntity } from './dead-letter.entity';
import { FlowVersionEntity } from './flow-version.entity';
import { FlowEntity } from './flow.entity';
import { HistoryEntity } from './history.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { OutboxEntity } from './outbox.entity';
import { PublishChainEntity } from './publish-chain.entity';
import { RunEntity } from './run.entity';
import { TimerEntity } from './timer.entity';

/** Every entity, for the DataSource. */
export const STORE_ENTITIES = [
  FlowEntity, FlowVersionEntity, RunEntity, HistoryEntity, OutboxEntity, TimerEntity, DeadLetterEntity, IdempotencyKeyEntity, PublishChainEntity,
];
