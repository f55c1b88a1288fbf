import cluster, { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PACKAGE_ROOT } from '../config/package-root';
import { parseDatabaseUrl } from '../prisma/database-url';
import { applyMigrations, readMigrations } from '../prisma/migrator';
import { isForgetSubjectMessage } from '../signals/cache/worker-signal-cache';
import { workerExecArgv } from './helper-threads';

const RESTART_DELAY_MS = 1000;

/**
 * WORKERS > 1: this process is the primary. It applies the migrations once (so the workers do
 * not race for them on SQLite), forks the workers (each with V8's helper pool sized to its share
 * of the cores, see helper-threads.ts), which each run the whole service and share
 * PORT (Node's cluster hands each connection to one of them), restarts a worker that dies, and
 * on SIGTERM or SIGINT stops them all and exits when they have. The workers are instances on
 * one database, like a fleet: FLEET_STATE=auto shares rate limits and revocations between them,
 * and the signal cache on PostgreSQL; on SQLite each worker keeps its own, and this primary relays
 * erasures between them (see docs/fleet.md).
 */
export async function runPrimary(config: AppConfig): Promise<void> {
  const logger = new Logger('Cluster');
  const target = parseDatabaseUrl(config.DATABASE_URL);
  const applied = await applyMigrations(target, readMigrations(join(PACKAGE_ROOT, 'prisma', target.provider, 'migrations')));
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  /** Each worker, and whether it has listened: one that dies before is failing to start (bad config, policy), and restarting it would loop. */
  const started = new Map<Worker, boolean>();
  let stopping = false;
  let exitCode = 0;
  const execArgv = workerExecArgv(process.execArgv, process.env.NODE_OPTIONS, availableParallelism(), config.WORKERS);
  cluster.setupPrimary({ execArgv });
  const fork = () => started.set(cluster.fork(), false);
  cluster.on('listening', (worker) => started.set(worker, true));
  // An erasure in one worker reaches the others' in-memory caches (WorkerSignalCache).
  cluster.on('message', (from, message: unknown) => {
    if (!isForgetSubjectMessage(message)) return;
    for (const worker of started.keys()) if (worker !== from && worker.isConnected()) worker.send(message);
  });
  cluster.on('exit', (worker, code, signal) => {
    const listened = started.get(worker) ?? false;
    started.delete(worker);
    if (stopping) {
      if (started.size === 0) process.exit(exitCode);
      return;
    }
    if (!listened) {
      logger.error(`worker ${worker.process.pid} failed to start (exit ${code ?? signal}): stopping`);
      exitCode = 1;
      stop();
      return;
    }
    logger.warn(`worker ${worker.process.pid} exited (${code ?? signal}): starting another`);
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });
  const stop = () => {
    stopping = true;
    if (started.size === 0) process.exit(exitCode);
    for (const worker of started.keys()) worker.process.kill('SIGTERM');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stop);
  for (let i = 0; i < config.WORKERS; i++) fork();
  logger.log(`${config.WORKERS} workers serving http://${config.HOST}:${config.PORT} (Node arguments: ${execArgv.join(' ') || 'none'})`);
}
