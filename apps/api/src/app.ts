import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger, Platform } from '@sluice/runtime';
import { ApiModule } from './api.module';
import { jsonBody } from './common/json-body.middleware';
import { NestPinoLogger } from './common/nest-pino.logger';

/** Builds the Nest HTTP application over an open platform (used by main.ts and the tests). */
export async function createApiApp(platform: Platform, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forPlatform(platform), {
    bodyParser: false,
    logger: new NestPinoLogger(logger.child({ component: 'Nest' })),
  });
  app.disable('x-powered-by');
  app.use(...jsonBody(platform.settings.SLUICE_MAX_BODY));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sluice API')
      .setDescription('Flows, runs and their history, retries and dead letters. Errors are { error: { code, message, details? } }.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
  await app.init();
  return app;
}
