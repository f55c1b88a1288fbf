import type { LoggerService } from '@nestjs/common';
import Fastify, { FastifyError, FastifyInstance } from 'fastify';
import { CORRELATOR_PATTERN, newCorrelator, requestContext } from '../common/http/request-context';
import { AppLogger, levelsFrom } from '../common/logging/app-logger';
import { Clock, SystemClock } from '../common/time/clock';
import { loadLineDataset } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { apiRoutes } from './api.routes';
import { CAMARA_OPERATIONS } from './camara-operations';
import { CODE_BY_STATUS, sendCamaraError } from './camara-reply';
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
  registerCorrelator(server);
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

/**
 * CAMARA x-correlator on every response: the request's own when it matches the spec's pattern,
 * a new UUID when it sent none. A malformed one is 400 INVALID_ARGUMENT (answered with a new
 * correlator, since the bad one cannot be echoed safely). Log lines of the request carry it.
 */
function registerCorrelator(server: FastifyInstance): void {
  server.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-correlator'];
    const valid = typeof given === 'string' && CORRELATOR_PATTERN.test(given);
    const correlator = valid ? given : newCorrelator();
    void reply.header('x-correlator', correlator);
    if (given !== undefined && !valid) {
      void sendCamaraError(reply, 400, 'INVALID_ARGUMENT', 'x-correlator must match ^[a-zA-Z0-9-_:;./<>{}]{0,256}$');
      return;
    }
    requestContext.run({ correlator }, done);
  });
}

function clientErrorMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is required and must be a JSON object.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The request body is not valid JSON.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Content-Type must be application/json.';
    default:
      return error instanceof SyntaxError ? 'The request body is not valid JSON.' : error.message;
  }
}
