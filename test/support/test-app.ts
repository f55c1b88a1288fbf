import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerService } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { ApiKeyService } from '../../src/auth/api-key.service';
import { FixedClock } from '../../src/common/time/clock';
import { conformsTo, OpenApiResponseValidator, ResponseRecorder } from './openapi-validator';
import { starterRulesDir } from './starter-rules';
import { createTestDatabase, TestDatabase } from './test-database';

/** A logger that keeps lines in memory: tests assert on them instead of printing them. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  clock: FixedClock;
  database: TestDatabase;
  /** An admin API key (every scope), made for the test. */
  key: string;
  /** Headers that authenticate with `key` (for fetch). */
  auth: { authorization: string };
  /** supertest on the app, authenticated with `key`; a response the OpenAPI document does not allow fails the request. */
  http(): ReturnType<typeof request.agent>;
  /** The app's OpenAPI document (/docs/openapi.json), as a response checker. */
  openapi: OpenApiResponseValidator;
  /** Stops the app; then fails if a response of another client (supertest, inject, fetch) broke the document. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Dataset lines (the sandbox operator's); written to a temporary file. */
  lines?: unknown[];
  now?: Date;
  /**
   * Wins over the defaults below (rate limits are off unless a test sets them; RULES_DIR is the
   * run's snapshot of the starter policies, never the live rules/, unless a test sets its own).
   */
  env?: Record<string, string>;
  logger?: LoggerService;
  /** Receives the spans when the env turns tracing on (OTEL_TRACES_EXPORTER=otlp). */
  spanExporter?: SpanExporter;
}

/** Boots the real application (same factory as main.ts) on a fresh database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-lines-'));
  const env: Record<string, string> = { DATABASE_URL: database.url, NODE_ENV: 'test', RATE_LIMIT_PER_SECOND: '0', RULES_DIR: starterRulesDir(), ...options.env };
  if (options.lines) {
    env.SANDBOX_LINES_FILE = join(dir, 'lines.json');
    writeFileSync(env.SANDBOX_LINES_FILE, JSON.stringify({ lines: options.lines }));
  }
  const clock = new FixedClock(options.now ?? new Date());
  let app: NestFastifyApplication;
  let key: string;
  let openapi: OpenApiResponseValidator;
  const recorder = new ResponseRecorder();
  try {
    app = await createApp({ env, ignoreEnvFile: true, clock, logger: options.logger ?? new CapturingLogger(), spanExporter: options.spanExporter });
    recorder.register(app.getHttpAdapter().getInstance());
    await app.getHttpAdapter().getInstance().ready();
    key = (await app.get(ApiKeyService).create({ label: 'test admin', scopes: ['admin'] })).key;
    openapi = new OpenApiResponseValidator((await app.inject({ method: 'GET', url: '/docs/openapi.json' })).json());
    recorder.validator = openapi;
  } catch (error) {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const auth = { authorization: `Bearer ${key}` };
  return {
    app,
    clock,
    database,
    key,
    auth,
    openapi,
    http: () => request.agent(app.getHttpServer()).set(auth).use(conformsTo(openapi, (correlator, problem) => recorder.reported(correlator, problem))),
    close: async () => {
      await app.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
      const problems = recorder.problems();
      if (problems.length > 0) throw new Error(`OpenAPI: responses the document does not allow:\n${problems.join('\n')}`);
    },
  };
}
