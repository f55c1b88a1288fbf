// What the bins share: Nest's log lines on stderr, results on stdout, the exit code.
import { Logger } from '@nestjs/common';
import { runCli } from './linetrust-cli';
import { cliLogLevels, StderrLogger } from './stderr-logger';

export function runMain(argv: string[]): void {
  Logger.overrideLogger(new StderrLogger({ logLevels: cliLogLevels(process.env.LOG_LEVEL) }));
  void runCli(argv, {
    line: (text) => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
    colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  }).then((code) => (process.exitCode = code));
}
