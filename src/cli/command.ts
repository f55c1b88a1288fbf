// The linetrust command line: groups of commands (`keys create`, `policy validate`, ...) parsed
// with node:util parseArgs in strict mode, which refuses an unknown option and an option whose
// value is missing or looks like another option (`--label --scopes admin`), so a typo can never
// become a key's label. Help is generated from the same tables that drive the parsing.
import { parseArgs } from 'node:util';
import { Clock } from '../common/time/clock';
import { CliEnv, CliOutput } from './cli-io';

/** Exit codes, the same for every command (README, docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The command ran and the answer is no: a case failed, a key was refused, a service unreachable. */
  failed: 1,
  /** A policy file is invalid or unreadable. */
  invalidFile: 2,
  /** The command line itself is wrong (sysexits' EX_USAGE): nothing was done. */
  usage: 64,
} as const;

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Shown in help after the option: `--label <text>`. */
  value?: string;
  description: string;
  short?: string;
  /** Refused when absent (parseArgs has no required options). */
  required?: boolean;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandInput {
  values: OptionValues;
  positionals: string[];
}

export interface CliContext {
  out: CliOutput;
  env: CliEnv;
  clock: Clock;
  /** --json: one JSON document on stdout, for scripts. */
  json: boolean;
  colour: boolean;
  /** The command's name as typed, for messages: `linetrust keys create`. */
  name: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments as shown in help: `<id>`, `[files...]`. */
  args?: string;
  positionals: { min: number; max: number };
  options: Record<string, OptionSpec>;
  /** Help lines after the options: defaults, environment, examples. */
  notes?: string[];
  /** Takes --json. */
  json?: boolean;
  /** Hands its arguments unparsed to a script with its own flags (the benches). */
  passThrough?: boolean;
  run(input: CommandInput, context: CliContext): Promise<number>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: CommandSpec[];
  /** What an unexpected error exits with (the policy commands kept 2 from before). */
  failureCode?: number;
}

/** A wrong command line: the message, then the command's usage, exit 64. */
export class UsageError extends Error {}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };
const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print the result as one JSON document (for scripts)' };

function optionsOf(command: CommandSpec): Record<string, OptionSpec> {
  return { ...command.options, ...(command.json ? { json: JSON_OPTION } : {}), help: HELP };
}

export function usageLine(program: string, group: CommandGroup, command: CommandSpec): string {
  const required = Object.entries(command.options)
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) => `--${name} ${spec.value ?? ''}`.trim());
  return [`${program} ${group.name} ${command.name}`, command.args, ...required, '[options]'].filter(Boolean).join(' ');
}

export function commandHelp(program: string, group: CommandGroup, command: CommandSpec): string {
  const rows = Object.entries(optionsOf(command)).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return `  ${flag.padEnd(34)} ${spec.required ? '(required) ' : ''}${spec.description}`;
  });
  return [`usage: ${usageLine(program, group, command)}`, '', command.summary, '', 'options:', ...rows, ...(command.notes?.length ? ['', ...command.notes] : [])].join('\n');
}

export function groupHelp(program: string, group: CommandGroup): string {
  const rows = group.commands.map((command) => `  ${`${command.name} ${command.args ?? ''}`.padEnd(34)} ${command.summary}`);
  return [`usage: ${program} ${group.name} <command> [options]`, '', group.summary, '', 'commands:', ...rows, '', `"${program} ${group.name} <command> --help" for a command's options.`].join('\n');
}

/** Parses one command's arguments; throws UsageError for anything but a well-formed line. */
export function parseCommand(command: CommandSpec, argv: string[]): CommandInput & { help: boolean } {
  if (command.passThrough) {
    const help = argv.length > 0 && (argv[0] === '--help' || argv[0] === '-h');
    return { values: {}, positionals: argv, help };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: optionsOf(command), allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages name the option and the fix ("use --label=-XYZ"); its first line is enough.
    throw new UsageError((error as Error).message.split('\n').slice(0, 2).join(' '));
  }
  const values = parsed.values as OptionValues;
  if (values.help) return { values, positionals: parsed.positionals, help: true };
  const { min, max } = command.positionals;
  const count = parsed.positionals.length;
  if (count < min) throw new UsageError(`missing argument ${command.args ?? ''}`.trim());
  if (count > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`);
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && values[name] === undefined) throw new UsageError(`--${name} is required`);
    if (spec.type === 'string' && values[name] === '') throw new UsageError(`--${name} needs a value`);
  }
  return { values, positionals: parsed.positionals, help: false };
}

/** A string option's value (parseArgs typed it already; this only narrows). */
export function text(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A comma-separated option as a list, without blanks. */
export function list(values: OptionValues, name: string): string[] | undefined {
  return text(values, name)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
