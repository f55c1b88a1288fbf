import type { LoggerService } from '@nestjs/common';
import Fastify, { FastifyError, FastifyInstance } from 'fastify';
import { CODE_BY_STATUS, fastifyErrorMessage } from '../common/errors/camara-error';
import { sendCamaraError } from '../common/http/camara-reply';
import { registerCorrelator } from '../common/http/request-guards';
import { AppLogger, levelsFrom } from '../common/logging/app-logger';
import { Clock, SystemClock } from '../common/time/clock';
import { loadLineDataset } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { apiRoutes } from './api.routes';
import { CAMARA_OPERATIONS } from './camara-operations';

import { FaultInjector } from './fault-injector';
import { SandboxConfig } from './sandbox-config';
import { tokenRoutes } from './token.routes';
import { TokenStore } from './token-store';

export interface SandboxServerOptions {
  /** Validated settings: `loadSandboxConfig(process.env)`. */
  config: SandboxConfig;
  /** "Now" for the dataset's semantics and token expiry (tests pin it). */
  clock?: Clock;
  logger?: LoggerService;
  /** Draws for fault rates below 1 (tests pin them). */
  random?: () => number;
}

const CONTEXT = 'SandboxOperator';
const KNOWN_PATHS = new Set(['/oauth2/token', ...CAMARA_OPERATIONS.map((operation) => operation.path)]);

/**
 * The standalone sandbox operator: the four CAMARA APIs over HTTP, answered by the same
 * SandboxOperator and line dataset as the in-process providers, behind a client-credentials
 * token endpoint, with faults on demand. Not listening yet: the caller listens (tests on port 0).
 * Throws, naming the file and entry, when the dataset is invalid.
 */
export function createSandboxServer(options: SandboxServerOptions): FastifyInstance {
  const { config } = options;
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? new AppLogger(CONTEXT, { logLevels: levelsFrom(config.LOG_LEVEL) });
  const lines = loadLineDataset(config.SANDBOX_LINES_FILE, clock.now());
  const tokens = new TokenStore(clock, config.SANDBOX_TOKEN_TTL_S);
  const faults = new FaultInjector(config.faults, options.random ?? Math.random, logger);

  // forceCloseConnections: closing the sandbox must not wait for clients' keep-alive
  // connections to time out (72 s), whatever state a faulty request left them in.
  const server = Fastify({ logger: false, bodyLimit: 16_384, forceCloseConnections: true });
  // A correlator the spec's pattern allows, even an empty one, is echoed as sent.
  registerCorrelator(server, { emptyIsAbsent: false });
  server.addHook('onResponse', async (request, reply) => {
    logger.debug?.(`${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`, CONTEXT);
  });
  server.addHook('preClose', async () => faults.abortPending());

  server.setErrorHandler(async (error: FastifyError, _request, reply) => {
    const status = error.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendCamaraError(reply, status, CODE_BY_STATUS[status] ?? 'INVALID_ARGUMENT', clientErrorMessage(error));
    }
    logger.error(`unexpected error: ${error.message}`, error.stack, CONTEXT);
    return sendCamaraError(reply, 500, 'INTERNAL', 'Internal server error.');
  });
  server.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0];
    if (KNOWN_PATHS.has(path)) {
      void reply.header('allow', 'POST');
      return sendCamaraError(reply, 405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}: use POST.`);
    }
    return sendCamaraError(reply, 404, 'NOT_FOUND', `No resource at ${request.method} ${path}.`);
  });

  void server.register(tokenRoutes, { clientId: config.SANDBOX_CLIENT_ID, clientSecret: config.SANDBOX_CLIENT_SECRET, tokens });
  void server.register(apiRoutes, { operator: new SandboxOperator(lines, clock), lines, tokens, faults, logger });
  return server;
}

function clientErrorMessage(error: FastifyError): string {
  // The sandbox says more than the service about an empty body: a CAMARA request needs one.
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The request body is required and must be a JSON object.';
  return fastifyErrorMessage(error);
}
