import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Settings } from '@sluice/config';
import type { Request, Response } from 'express';
import { BearerKeys, bearerToken } from './bearer-keys';
import { PUBLIC_ROUTE, type PublicWhen } from './public.decorator';
import { SETTINGS } from './tokens';

/**
 * Deny by default: with SLUICE_API_KEYS set, every route needs
 * `Authorization: Bearer <key>` unless its controller or handler is marked
 * {@link Public}. The decision rests on the route Nest matched, never on the
 * path's spelling, so `/API/flows`, `/api/flows/` and the like are guarded
 * like `/api/flows`. Without keys the API is open, which start-up allows on
 * loopback only, and the loopback Host check guards against DNS rebinding.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: BearerKeys;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly reflector: Reflector,
  ) {
    this.keys = new BearerKeys(settings.SLUICE_API_KEYS);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<PublicWhen | undefined>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic?.(this.settings) || this.keys.empty) return true;
    const http = context.switchToHttp();
    if (this.keys.matches(bearerToken(http.getRequest<Request>().headers.authorization))) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="sluice"');
    throw new UnauthorizedException('A valid bearer key is required: Authorization: Bearer <key>');
  }
}
