import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Platform } from '@sluice/platform';
import { FlowService, LiveTopologyService, ReplayService, RunControlService, RunQueryService, RunSearchService, RuntimeMetrics, TriggerService } from '@sluice/runtime';
import { ApiErrorFilter } from './common/api-error.filter';
import { ApiKeyGuard } from './common/api-key.guard';
import { ClosingConnections } from './common/closing-connections';
import { BROKER, SETTINGS, STORE } from './common/tokens';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DemoController } from './demo/demo.controller';
import { FlowEventsController } from './flows/flow-events.controller';
import { FlowLiveController } from './flows/flow-live.controller';
import { FlowsController } from './flows/flows.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ReplaysController } from './replays/replays.controller';
import { RetriesController } from './runs/retries.controller';
import { RunsController } from './runs/runs.controller';
import { StreamController } from './stream/stream.controller';
import { TopicsController } from './topics/topics.controller';

/** The HTTP API over one platform (store, broker, runtime) opened by main.ts. */
@Module({})
export class ApiModule {
  static forPlatform(platform: Platform): DynamicModule {
    const { runtime } = platform;
    return {
      module: ApiModule,
      controllers: [
        FlowsController, FlowLiveController, FlowEventsController, TopicsController, RunsController, RetriesController,
        DeadLettersController, StreamController, HealthController, MetricsController, ReplaysController,
        // The seeded fulfilment flow calls /demo/fulfil; without the samples the route does not exist.
        ...(platform.settings.SLUICE_SEED_SAMPLES ? [DemoController] : []),
      ],
      providers: [
        { provide: SETTINGS, useValue: platform.settings },
        { provide: STORE, useValue: platform.store },
        { provide: BROKER, useValue: platform.broker },
        { provide: FlowService, useValue: runtime.flows },
        { provide: TriggerService, useValue: runtime.triggers },
        { provide: RunQueryService, useValue: runtime.queries },
        { provide: RunSearchService, useValue: runtime.search },
        { provide: LiveTopologyService, useValue: runtime.live },
        { provide: RunControlService, useValue: runtime.control },
        { provide: ReplayService, useValue: runtime.replays },
        { provide: RuntimeMetrics, useValue: runtime.metrics },
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        ClosingConnections,
      ],
    };
  }
}
