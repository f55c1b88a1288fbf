import { performance } from 'node:perf_hooks';
import type { LoggerService } from '@nestjs/common';
import Fastify, { FastifyError, FastifyInstance } from 'fastify';
import { CODE_BY_STATUS, fastifyErrorMessage } from '../common/errors/camara-error';
import { sendCamaraError } from '../common/http/camara-reply';
import { registerCorrelator } from '../common/http/request-guards';
import { AppLogger } from '../common/logging/app-logger';
import { nestLevelsFrom } from '../common/logging/log-level';
import { Clock, SystemClock } from '../common/time/clock';
import { loadLineDataset, SandboxLine } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { apiRoutes } from './api.routes';
import { CibaStore } from './ciba-store';
import { loadClientKeys } from './client-keys';
import { FaultInjector } from './fault-injector';
import { AssertionVerifier } from './jwt-assertions';
import { needsClientKeys, ProfileName, PROFILES, profilePaths } from './profiles';
import { SandboxConfig, SandboxConfigInvalidError } from './sandbox-config';
import { scopeVocabulary } from './scope-rules';
import { tokenRoutes } from './token.routes';
import { TokenStore } from './token-store';

export interface SandboxServerOptions {
  /** Validated settings: `loadSandboxConfig(process.env)`. */
  config: SandboxConfig;
  /** The gateway to play; default `config.SANDBOX_PROFILE`. */
  profile?: ProfileName;
  /** "Now" for the dataset's semantics and token expiry (tests pin it). */
  clock?: Clock;
  /**
   * Monotonic milliseconds for CIBA's timings (consent delay, interval, expiry); default
   * `performance.now`. Not the dataset clock: tests pin that one to a date.
   */
  ticks?: () => number;
  /** Wall clock for the time claims (exp, iat) of client JWTs; default the system clock. */
  jwtClock?: Clock;
  /** The dataset, when already loaded (several gateways from one file); default: read the config's file. */
  lines?: ReadonlyMap<string, SandboxLine>;
  logger?: LoggerService;
  /** Draws for fault rates below 1 (tests pin them). */
  random?: () => number;
}

const CONTEXT = 'SandboxOperator';

/**
 * The standalone sandbox operator: the four CAMARA APIs over HTTP, answered by the same
 * SandboxOperator and line dataset as the in-process providers, behind the chosen profile's
 * token flows, with faults on demand. Not listening yet: the caller listens (tests on port 0).
 * Throws, naming the file and entry, when the dataset or the client keys are invalid.
 */
export function createSandboxServer(options: SandboxServerOptions): FastifyInstance {
  const { config } = options;
  const profile = PROFILES[options.profile ?? config.SANDBOX_PROFILE];
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? new AppLogger(CONTEXT, { logLevels: nestLevelsFrom(config.LOG_LEVEL) });
  const lines = options.lines ?? loadLineDataset(config.SANDBOX_LINES_FILE, clock.now());
  const tokens = new TokenStore(clock, config.SANDBOX_TOKEN_TTL_S);
  const faults = new FaultInjector(config.faults, options.random ?? Math.random, logger);
  const assertions = clientAssertions(config, profile.name, options.jwtClock ?? new SystemClock());

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
  const knownPaths = new Set(profilePaths(profile));
  server.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0];
    if (knownPaths.has(path)) {
      void reply.header('allow', 'POST');
      return sendCamaraError(reply, 405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}: use POST.`);
    }
    return sendCamaraError(reply, 404, 'NOT_FOUND', `No resource at ${request.method} ${path}.`);
  });

  if (profile.access.kind === 'oauth') {
    const timing = {
      intervalS: config.SANDBOX_CIBA_INTERVAL_S ?? profile.ciba.intervalS,
      expiresInS: config.SANDBOX_CIBA_EXPIRES_S ?? profile.ciba.expiresInS,
    };
    void server.register(tokenRoutes, {
      access: profile.access,
      client: { clientId: config.SANDBOX_CLIENT_ID, clientSecret: config.SANDBOX_CLIENT_SECRET, methods: profile.access.clientAuth, assertions },
      vocabulary: scopeVocabulary(profile),
      tokens,
      ciba: new CibaStore(options.ticks ?? (() => performance.now()), timing),
      assertions,
      lines,
      logger,
    });
  }
  const apiKey = config.SANDBOX_API_KEY === undefined ? undefined : { key: config.SANDBOX_API_KEY, host: config.SANDBOX_API_HOST };
  if (profile.access.kind === 'api-key' && !apiKey) {
    throw new SandboxConfigInvalidError(`SANDBOX_API_KEY is required by the ${profile.name} profile`);
  }
  void server.register(apiRoutes, {
    profile,
    operator: new SandboxOperator(lines, clock),
    lines,
    tokens,
    faults,
    logger,
    apiKey: profile.access.kind === 'api-key' ? apiKey : undefined,
  });
  return server;
}

/** The verifier of client JWTs, for profiles that take them; their keys are loaded (and checked) now. */
function clientAssertions(config: SandboxConfig, name: ProfileName, jwtClock: Clock): AssertionVerifier | undefined {
  if (!needsClientKeys(PROFILES[name])) return undefined;
  if (config.SANDBOX_CLIENT_PUBLIC_KEYS === undefined) {
    throw new SandboxConfigInvalidError(`SANDBOX_CLIENT_PUBLIC_KEYS is required by the ${name} profile`);
  }
  return new AssertionVerifier(loadClientKeys(config.SANDBOX_CLIENT_PUBLIC_KEYS).keys, jwtClock);
}

function clientErrorMessage(error: FastifyError): string {
  // The sandbox says more than the service about an empty body: a CAMARA request needs one.
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The request body is required and must be a JSON object.';
  return fastifyErrorMessage(error);
}
