import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NestPinoLogger, type Platform } from '@sluice/platform';
import type { Logger } from '@sluice/runtime';
import { ApiModule } from './api.module';
import { jsonBody } from './common/json-body.middleware';
import { requireJsonContentType } from './common/json-content-type.middleware';
import { loopbackHostOnly } from './common/loopback-host.middleware';
import { withApiSchemas } from './common/openapi';
import { answerProtocolErrorsAsJson } from './common/protocol-errors';
import { pageSecurityPolicy, securityHeaders } from './common/security-headers.middleware';
import { uiStatic } from './ui/ui-static.middleware';

/** Builds the Nest HTTP application over an open platform (used by main.ts and the tests). */
export async function createApiApp(platform: Platform, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forPlatform(platform), {
    bodyParser: false,
    logger: new NestPinoLogger(logger.child({ component: 'Nest' })),
  });
  app.disable('x-powered-by');
  // Requests Node's parser refuses answer in the error shape; an HTTP/1.1 request without Host is refused first.
  app.use(answerProtocolErrorsAsJson(app.getHttpServer()));
  // Ahead of everything else, so the editor's files, the docs and the API all get them.
  app.use(securityHeaders(), loopbackHostOnly(platform.settings), requireJsonContentType());
  app.use(...jsonBody({ maxBytes: platform.settings.SLUICE_MAX_BODY, maxDepth: platform.settings.SLUICE_MAX_JSON_DEPTH }));
  const document = withApiSchemas(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sluice API')
      .setDescription('Flows, runs and their history, retries and dead letters. Errors are { error: { code, message, details? } }.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  ));
  // The OpenAPI UI and document are public: they describe the API and hold no data (docs/security.md).
  app.use('/api/docs', pageSecurityPolicy());
  SwaggerModule.setup('api/docs', app, document, { swaggerOptions: { requestInterceptor: withJsonContentType } });
  // Mounted before init(), so it runs ahead of Nest's not-found handler; it passes API paths through.
  app.use(uiStatic(platform.settings.SLUICE_WEB_DIR));
  logUiState(platform.settings.SLUICE_WEB_DIR, logger);
  await app.init();
  return app;
}

/**
 * Runs in the browser (serialised into the OpenAPI UI's init script): "Try it
 * out" sends Content-Type: application/json on every state change, even with
 * no body, as Sluice requires. Self-contained, since only its source is sent.
 */
function withJsonContentType(request: { method: string; headers: Record<string, string> }): { method: string; headers: Record<string, string> } {
  const method = request.method.toUpperCase();
  const named = Object.keys(request.headers).some((name) => name.toLowerCase() === 'content-type');
  if (method !== 'GET' && method !== 'HEAD' && !named) request.headers['Content-Type'] = 'application/json';
  return request;
}

function logUiState(webDir: string, logger: Logger): void {
  const dir = resolve(webDir);
  const log = logger.child({ component: 'Ui' });
  if (existsSync(join(dir, 'index.html'))) log.info({ webDir: dir }, 'serving the editor at /');
  else log.warn({ webDir: dir }, 'the editor is not built (npm run build -w web); / explains how');
}
