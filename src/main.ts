import 'reflect-metadata';
import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { beginShutdown } from './common/http/edge-errors';
import { startIdleMemoryRelease } from './common/memory/idle-memory-release';
import { AppConfig, validateConfig } from './config/app-config';
import { runPrimary } from './cluster/workers';
import { applyV8Flags } from './config/v8-flags';
import { startupSignposts } from './startup-signposts';

async function main(): Promise<void> {
  const settings = validateConfig(process.env);
  applyV8Flags(settings);
  if (settings.WORKERS > 1 && cluster.isPrimary) return runPrimary(settings);
  // Loaded here, not at the top: a WORKERS > 1 primary serves nothing and needs none of it.
  const { createApp } = await import('./app.factory');
  const app = await createApp();
  // Before Nest's own listeners (which close the database first): refuse new requests at once.
  // `once`: only the first signal begins the shutdown; Nest's listener then closes and exits.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => beginShutdown(app.getHttpAdapter().getInstance()));
  // useProcessExit: Nest ends with process.exit(0) instead of sending itself the signal again,
  // so that 'exit' runs and the log lines of the last turn are written (TurnBatchedSink).
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  const config = app.get(AppConfig);
  await app.listen(config.PORT, config.HOST);
  const logger = new Logger('LineTrust');
  logger.log(`listening on http://${config.HOST}:${config.PORT} (${config.NODE_ENV})`);
  if (config.RELEASE_MEMORY_WHEN_IDLE) {
    const memory = new Logger('Memory');
    startIdleMemoryRelease((line) => memory.log(line), { trace: (line) => memory.debug(line) });
  }
  // With WORKERS > 1, the first worker says it for all of them.
  if (cluster.isPrimary || cluster.worker?.id === 1) for (const line of await startupSignposts(app)) logger.log(line);
}

main().catch((error: unknown) => {
  // Start-up refusals (config, policy files, dataset) are meant for the operator: no stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`LineTrust cannot start: ${message}\n`);
  process.exit(1);
});
