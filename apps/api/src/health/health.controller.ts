import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { BrokerPort, StorePort } from '@sluice/runtime';
import type { Response } from 'express';
import { Public } from '../common/public.decorator';
import { BROKER, STORE } from '../common/tokens';

const READY_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    checks: { type: 'object', properties: { store: { type: 'string', enum: ['up', 'down'] }, broker: { type: 'string', enum: ['up', 'down'] } } },
  },
};

/**
 * Longest the store may take to answer a readiness probe, in ms. A store
 * that hangs (a stalled network, a server that accepts and never answers) is
 * down, and the probe still answers.
 */
const STORE_PING_TIMEOUT_MS = 2_000;

/** Probes for orchestrators: public, they tell nothing but up or down. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(STORE) private readonly store: StorePort,
    @Inject(BROKER) private readonly broker: BrokerPort,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness', description: 'The process answers.' })
  @ApiResponse({ status: 200, description: 'Alive', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when the store answers within STORE_PING_TIMEOUT_MS and the broker is connected. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness', description: 'Checks the store and the broker.' })
  @ApiResponse({ status: 200, description: 'Ready', schema: READY_SCHEMA })
  @ApiResponse({ status: 503, description: 'The store or the broker is down', schema: READY_SCHEMA })
  async ready(@Res() response: Response): Promise<void> {
    const store = await this.storeCheck();
    const broker = this.broker.isReady() ? 'up' : 'down';
    const ok = store === 'up' && broker === 'up';
    response.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { store, broker } });
  }

  private async storeCheck(): Promise<'up' | 'down'> {
    const answered = this.store.ping().then(() => 'up' as const, () => 'down' as const);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'down'>((resolve) => (timer = setTimeout(() => resolve('down'), STORE_PING_TIMEOUT_MS)));
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
