import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { BrokerPort } from '@sluice/broker';
import type { StorePort } from '@sluice/store';
import type { Response } from 'express';
import { BROKER, STORE } from '../common/tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(STORE) private readonly store: StorePort,
    @Inject(BROKER) private readonly broker: BrokerPort,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when the store answers and the broker is connected. */
  @Get('ready')
  async ready(@Res() response: Response): Promise<void> {
    const store = await this.store.ping().then(() => 'up' as const, () => 'down' as const);
    const broker = this.broker.isReady() ? 'up' : 'down';
    const ok = store === 'up' && broker === 'up';
    response.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { store, broker } });
  }
}
