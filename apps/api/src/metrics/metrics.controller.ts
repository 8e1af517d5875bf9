import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RuntimeMetrics } from '@sluice/runtime';
import { Public } from '../common/public.decorator';

/** Needs a key like the API unless SLUICE_METRICS_PUBLIC=true: counts and latencies tell how the system is used. */
@ApiTags('health')
@Public((settings) => settings.SLUICE_METRICS_PUBLIC)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: RuntimeMetrics) {}

  /** Prometheus text format. */
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics', description: 'Runs started and finished, step durations by node type, retries, dead letters, outbox backlog, and the backlog that backpressure bounds (its size, bound, drain rate, queue depth, waiting and refused triggers).' })
  @ApiProduces('text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  text(): Promise<string> {
    return this.metrics.text();
  }
}
