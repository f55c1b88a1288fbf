import { applyDecorators, LogLevel as NestLogLevel } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';

/** pino's level names, most verbose first: what LOG_LEVEL takes (`silent` writes nothing). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Nest's names, which LOG_LEVEL took (and the docs listed) before pino's: still read, as their pino level. */
const ALIASES: Readonly<Record<string, LogLevelName>> = { log: 'info', verbose: 'trace' };

const MESSAGE = `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (log and verbose, Nest's names, are read as info and trace)`;

/** An alias as its pino name; anything else as it came, for the validation to accept or refuse. */
export function toLogLevel(value: unknown): unknown {
  return typeof value === 'string' && Object.hasOwn(ALIASES, value) ? ALIASES[value] : value;
}

/** The LOG_LEVEL setting of a configuration class: a pino level name, or an alias of one. */
export function LogLevelSetting(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => toLogLevel(value)),
    IsIn(LOG_LEVELS, { message: MESSAGE }),
  );
}

const NEST_LEVELS: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const AS_NEST: Readonly<Record<Exclude<LogLevelName, 'silent'>, NestLogLevel>> = {
  trace: 'verbose',
  debug: 'debug',
  info: 'log',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/** The Nest levels written at a pino level and above (the sandbox operator logs through Nest's console logger). */
export function nestLevelsFrom(level: LogLevelName): NestLogLevel[] {
  return level === 'silent' ? [] : NEST_LEVELS.slice(0, NEST_LEVELS.indexOf(AS_NEST[level]) + 1);
}
