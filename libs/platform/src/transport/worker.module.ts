import { Module, type DynamicModule } from '@nestjs/common';
import { EventIngestHandler, StepExecutor, type Runtime } from '@sluice/runtime';
import { StepMessageHandler } from './step-message.handler';
import { TopicEventHandler } from './topic-event.handler';

/** The worker's message handlers over a runtime's services. */
@Module({})
export class WorkerModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: WorkerModule,
      controllers: [StepMessageHandler, TopicEventHandler],
      providers: [
        { provide: StepExecutor, useValue: runtime.executor },
        { provide: EventIngestHandler, useValue: runtime.ingest },
      ],
    };
  }
}
