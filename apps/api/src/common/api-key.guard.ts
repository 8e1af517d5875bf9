import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SETTINGS } from './tokens';
import type { Settings } from '@sluice/config';

/**
 * With SLUICE_API_KEYS set, every /api route and the stream need
 * `Authorization: Bearer <key>` (SPEC §5). Without keys the API is open, which
 * start-up only allows on loopback.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ReadonlySet<string>;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.keys = new Set(settings.SLUICE_API_KEYS);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.size === 0) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.path.startsWith('/api/') || request.path.startsWith('/api/docs')) return true;
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    if (match?.[1] && this.keys.has(match[1].trim())) return true;
    throw new UnauthorizedException('A valid bearer key is required');
  }
}
