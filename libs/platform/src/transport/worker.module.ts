import { Module, type DynamicModule } from '@nestjs/common';
import { EventIngestHandler, StepExecutor } from '@sluice/runtime';
import type { Platform } from '../platform';
import { StepMessageHandler } from './step-message.handler';
import { TopicEventHandler } from './topic-event.handler';

/** The worker's message handlers over an open platform's runtime services. */
@Module({})
export class WorkerModule {
  static forPlatform(platform: Platform): DynamicModule {
    return {
      module: WorkerModule,
      controllers: [StepMessageHandler, TopicEventHandler],
      providers: [
        { provide: StepExecutor, useValue: platform.runtime.executor },
        { provide: EventIngestHandler, useValue: platform.runtime.ingest },
      ],
    };
  }
}
