import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import { AppLogger } from '../common/logging/app-logger';
import { nestLevelsFrom } from '../common/logging/log-level';
import { SystemClock } from '../common/time/clock';
import { loadLineDataset } from '../signals/sandbox/line-dataset';
import { describeGateway } from './gateway-description';
import { loadSandboxConfig } from './sandbox-config';
import { createSandboxServer } from './sandbox-server';

/**
 * `npm run sandbox`: the standalone sandbox operator, configured from the environment. With
 * SANDBOX_PROFILES, one Fastify instance per gateway, all answering from one dataset.
 */
async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env);
  const logger = new AppLogger('SandboxOperator', { logLevels: nestLevelsFrom(config.LOG_LEVEL) });
  const lines = loadLineDataset(config.SANDBOX_LINES_FILE, new SystemClock().now());
  const servers: FastifyInstance[] = [];
  const stop = () => {
    Promise.all(servers.map((server) => server.close())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const gateway of config.gateways) {
    const server = createSandboxServer({ config, profile: gateway.profile, lines, logger });
    servers.push(server);
    const address = await server.listen({ port: gateway.port, host: config.SANDBOX_OPERATOR_HOST });
    for (const line of describeGateway(gateway.profile, address)) logger.log(line);
  }
  logger.log(`client id ${config.SANDBOX_CLIENT_ID}; lines from ${config.SANDBOX_LINES_FILE}; global faults: ${config.faults ? JSON.stringify(config.faults) : 'none'}`);
}

main().catch((error: unknown) => {
  // Start-up refusals (configuration, dataset, keys) are meant for the operator: no stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Sandbox operator cannot start: ${message}\n`);
  process.exit(1);
});
