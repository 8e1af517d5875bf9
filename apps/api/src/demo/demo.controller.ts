import { Body, Controller, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/public.decorator';

/** Share of demo requests that fail, so the sample flow shows retries. */
const FAILURE_RATE = 0.3;

/**
 * A built-in endpoint the sample fulfilment flow calls; it fails about 30 % of
 * the time. Registered only when the samples are seeded (SLUICE_SEED_SAMPLES),
 * and public, since the seeded flow's http node calls it without a key. It
 * stores nothing and echoes only what it was sent.
 */
@ApiExcludeController()
@Public()
@Controller('demo')
export class DemoController {
  @Post('fulfil')
  @HttpCode(200)
  fulfil(@Body() order: unknown): { fulfilled: true; order: unknown; at: string } {
    if (Math.random() < FAILURE_RATE) throw new ServiceUnavailableException('The demo warehouse is busy; try again');
    return { fulfilled: true, order, at: new Date().toISOString() };
  }
}
