import 'reflect-metadata';
import { AppLogger, levelsFrom } from '../common/logging/app-logger';
import { loadSandboxConfig } from './sandbox-config';
import { createSandboxServer } from './sandbox-server';

/** `npm run sandbox`: the standalone sandbox operator, configured from the environment. */
async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env);
  const logger = new AppLogger('SandboxOperator', { logLevels: levelsFrom(config.LOG_LEVEL) });
  const server = createSandboxServer({ config, logger });
  const address = await server.listen({ port: config.SANDBOX_OPERATOR_PORT, host: config.SANDBOX_OPERATOR_HOST });
  logger.log(`listening on ${address}: token endpoint POST ${address}/oauth2/token, client id ${config.SANDBOX_CLIENT_ID}`);
  logger.log(`lines from ${config.SANDBOX_LINES_FILE}; global faults: ${config.faults ? JSON.stringify(config.faults) : 'none'}`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // Start-up refusals (configuration, dataset) are meant for the operator: no stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Sandbox operator cannot start: ${message}\n`);
  process.exit(1);
});
