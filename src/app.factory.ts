import { LoggerService } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AppLogger, levelsFrom } from './common/logging/app-logger';
import { CORRELATOR_PATTERN, newCorrelator, requestContext } from './common/http/request-context';
import { Clock, SystemClock } from './common/time/clock';
import { AppConfig, validateConfig } from './config/app-config';

export interface AppOptions {
  /** Variables that win over the environment and `.env` (tests use them). */
  env?: Record<string, string | undefined>;
  /** Skip the `.env` file (tests must not depend on a developer's file). */
  ignoreEnvFile?: boolean;
  clock?: Clock;
  logger?: LoggerService;
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
  const logger = options.logger ?? new AppLogger({ logLevels: levelsFrom(config.LOG_LEVEL) });
  const adapter = new FastifyAdapter({ bodyLimit: config.BODY_LIMIT_BYTES });
  const module = AppModule.register(configModule, config, options.clock ?? new SystemClock());
  // abortOnError: false so start-up refusals reach the caller (main prints them and exits 1).
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger, abortOnError: false });
  registerCorrelator(app);
  requireJsonObjectBodies(app);
  await app.init();
  return app;
}

/**
 * CAMARA x-correlator: validated, echoed on every response (errors included), generated when
 * absent, and carried through the request's async context to every log line.
 */
function registerCorrelator(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-correlator'];
    const valid = typeof given === 'string' && given.length > 0 && CORRELATOR_PATTERN.test(given);
    const correlator = valid ? given : newCorrelator();
    void reply.header('x-correlator', correlator);
    if (given !== undefined && !valid) {
      void reply.status(400).send({ status: 400, code: 'INVALID_ARGUMENT', message: 'x-correlator must match ^[a-zA-Z0-9-_:;./<>{}]{0,256}$' });
      return;
    }
    requestContext.run({ correlator }, done);
  });
}

/**
 * Every body this API takes is a JSON object: other media types are 415, and a body that is
 * missing or not an object (an array, a string) is one clear 400 instead of a list of
 * missing fields.
 */
function requireJsonObjectBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('preValidation', (request, reply, done) => {
    if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return done();
    const body: unknown = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      void reply.status(400).send({ status: 400, code: 'INVALID_ARGUMENT', message: 'The request body must be a JSON object.' });
      return;
    }
    done();
  });
}
