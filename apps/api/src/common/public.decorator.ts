import { SetMetadata } from '@nestjs/common';
import type { Settings } from '@sluice/config';

/** Metadata key read by {@link ApiKeyGuard}. */
export const PUBLIC_ROUTE = 'sluice:public-route';

/** Decides from the settings whether a route is public; called on every request. */
export type PublicWhen = (settings: Settings) => boolean;

/**
 * Marks a controller or handler as reachable without a bearer key. Every
 * other route needs one as soon as SLUICE_API_KEYS is set (deny by default),
 * whatever its path looks like. `when` makes it public only under a setting,
 * e.g. `/metrics` with SLUICE_METRICS_PUBLIC.
 */
export const Public = (when: PublicWhen = () => true): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, when);
