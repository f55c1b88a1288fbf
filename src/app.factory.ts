import { LoggerService } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { AppModule } from './app.module';
import { camaraClientError, ShutdownGate } from './common/http/edge-errors';
import { frameworkErrors, registerRequestGuards } from './common/http/request-guards';
import { trackRoutes } from './common/http/route-table';
import { AccessLog } from './common/logging/access-log';
import { StructuredLogger } from './common/logging/structured-logger';
import { Clock, SystemClock } from './common/time/clock';
import { AppConfig, validateConfig } from './config/app-config';
import { setupApiDocs } from './docs/openapi';
import { Tracing } from './tracing/tracing';

export interface AppOptions {
  /** Variables that win over the environment and `.env` (tests use them). */
  env?: Record<string, string | undefined>;
  /** Skip the `.env` file (tests must not depend on a developer's file). */
  ignoreEnvFile?: boolean;
  clock?: Clock;
  /** Replaces the structured logger (tests capture lines); a StructuredLogger keeps the access log. */
  logger?: LoggerService;
  /** Where spans go instead of the OTLP collector, when OTEL_TRACES_EXPORTER turns tracing on (tests). */
  spanExporter?: SpanExporter;
}

/**
 * Builds the application exactly as `main.ts` runs it; e2e tests call it too, so they test the
 * same pipes, filters, hooks and limits. Throws (naming the variable, file or entry) when the
 * configuration, a policy or the sandbox dataset is invalid.
 */
export async function createApp(options: AppOptions = {}): Promise<NestFastifyApplication> {
  let config: AppConfig | undefined;
  const configModule = await ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: options.ignoreEnvFile,
    // The typed result is kept here and provided as AppConfig. What validate returns,
    // @nestjs/config copies into process.env, which would leak one app's settings (a test's
    // overrides) into the next: so it returns nothing to copy.
    validate: (env) => {
      config = validateConfig({ ...env, ...options.env });
      return {};
    },
  });
  if (!config) throw new Error('configuration was not validated');
  const logger = options.logger ?? new StructuredLogger({ level: config.LOG_LEVEL, format: config.logFormat });
  // The access log needs pino's fields; a test's capturing logger gets the application's lines only.
  const accessLog = logger instanceof StructuredLogger ? new AccessLog(logger) : undefined;
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    frameworkErrors: accessLog?.wrapFrameworkErrors(frameworkErrors) ?? frameworkErrors,
    // Errors of Node's HTTP parser, and requests during shutdown, in the CAMARA shape too.
    clientErrorHandler: camaraClientError,
    return503OnClosing: false,
  });
  const tracing = await Tracing.create(config, { exporter: options.spanExporter });
  const module = AppModule.register(configModule, config, options.clock ?? new SystemClock(), tracing);
  // abortOnError: false so start-up refusals reach the caller (main prints them and exits 1).
  // bodyParser: false keeps Fastify's own JSON parser only: Nest would add form bodies.
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger, abortOnError: false, bodyParser: false });
  const shutdown = new ShutdownGate();
  shutdown.register(app.getHttpAdapter().getInstance());
  // Refuse new requests from the first step of closing: the destroy hooks (database, workers)
  // run before the HTTP server stops accepting them.
  // (defineProperty: Nest's proxy around the app ignores plain assignments; the prototype's
  // close, since the proxy's would look `close` up again and find this one.)
  const close = (Object.getPrototypeOf(app) as NestFastifyApplication).close;
  Object.defineProperty(app, 'close', {
    configurable: true,
    value: async () => {
      shutdown.begin();
      await close.call(app);
    },
  });
  registerRequestGuards(app.getHttpAdapter().getInstance());
  accessLog?.register(app.getHttpAdapter().getInstance());
  trackRoutes(app.getHttpAdapter().getInstance());
  setupApiDocs(app);
  await app.init();
  return app;
}
