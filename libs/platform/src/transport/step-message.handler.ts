import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { StepExecutor, type Delivery, type StepMessage } from '@sluice/runtime';
import { STEP_BATCH_PATTERN } from './batch-patterns';

/** Runs each batch of step messages; the executor acks every message after its commit. */
@Controller()
export class StepMessageHandler {
  constructor(private readonly executor: StepExecutor) {}

  @EventPattern<string>(STEP_BATCH_PATTERN)
  handle(batch: Delivery<StepMessage>[]): Promise<void> {
    return this.executor.handle(batch);
  }
}
