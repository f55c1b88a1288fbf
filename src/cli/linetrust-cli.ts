// `linetrust <group> <command> [options]`: every command line tool of LineTrust behind one
// entry (bin `linetrust`, `npx linetrust --help`). `npm run keys|policy|privacy|bench -- ...`
// are aliases of it. Results go to `out.line` (stdout), messages and logs to stderr.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Clock, SystemClock } from '../common/time/clock';
import { PACKAGE_ROOT } from '../config/package-root';
import { benchCommands } from './bench-cli';
import { CliEnv, CliOutput } from './cli-io';
import { CommandGroup, commandHelp, EXIT, groupHelp, parseCommand, UsageError, usageLine } from './command';
import { keysCommands } from './keys-cli';
import { policyCommands } from './policy-cli';
import { privacyCommands } from './privacy-cli';

export const PROGRAM = 'linetrust';
// A function, not a constant: keys-cli.ts and the others import runCli for their aliases, so
// this module may load while they are still loading.
const groups = (): CommandGroup[] => [keysCommands, policyCommands, privacyCommands, benchCommands];
const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

export function programHelp(): string {
  const rows = groups().flatMap((group) => [
    `  ${group.name.padEnd(10)} ${group.summary}`,
    ...group.commands.map((command) => `    ${`${command.name} ${command.args ?? ''}`.padEnd(30)} ${command.summary}`),
  ]);
  return [
    `usage: ${PROGRAM} <command> <subcommand> [options]`,
    '',
    "LineTrust's command line. Commands that touch data work on the database of DATABASE_URL",
    'directly (the same settings as the service: see docs/configuration.md).',
    '',
    'commands:',
    ...rows,
    '',
    `"${PROGRAM} <command> --help" and "${PROGRAM} <command> <subcommand> --help" for options.`,
    'Results go to stdout (--json for one JSON document), messages and logs to stderr.',
    'Exit codes: 0 done, 1 failed (a case, a refusal, a service not reached), 2 a policy file is',
    'invalid or unreadable, 64 a wrong command line (nothing was done).',
  ].join('\n');
}

function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[], out: CliOutput, env: CliEnv = process.env, clock: Clock = new SystemClock()): Promise<number> {
  const [groupName, commandName, ...args] = argv;
  if (isHelp(groupName)) return (out.line(programHelp()), EXIT.ok);
  if (groupName === '--version' || groupName === '-V') return (out.line(version()), EXIT.ok);
  const group = groups().find((candidate) => candidate.name === groupName);
  if (!group) {
    if (groupName !== undefined) out.error(`${PROGRAM}: unknown command "${groupName}"`);
    out.error(programHelp());
    return EXIT.usage;
  }
  if (isHelp(commandName)) return (out.line(groupHelp(PROGRAM, group)), EXIT.ok);
  const command = group.commands.find((candidate) => candidate.name === commandName);
  if (!command) {
    if (commandName !== undefined) out.error(`${PROGRAM} ${group.name}: unknown command "${commandName}"`);
    out.error(groupHelp(PROGRAM, group));
    return EXIT.usage;
  }
  const name = `${PROGRAM} ${group.name} ${command.name}`;
  try {
    const input = parseCommand(command, args);
    if (input.help) return (out.line(commandHelp(PROGRAM, group, command)), EXIT.ok);
    const colour = Boolean(out.colour) && input.values.json !== true;
    return await command.run(input, { out, env, clock, json: input.values.json === true, colour, name });
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`${name}: ${error.message}`);
      out.error(`usage: ${usageLine(PROGRAM, group, command)}`);
      out.error(`"${name} --help" for every option.`);
      return EXIT.usage;
    }
    out.error(error instanceof Error ? error.message : String(error));
    return group.failureCode ?? EXIT.failed;
  }
}
