import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { LOG_LEVELS, LogLevelName, nestLevelsFrom, toLogLevel } from '../common/logging/log-level';

/**
 * Nest's console logger, every line on stderr: a command's stdout carries only its result, so
 * that `KEY=$(linetrust keys create ... --json | jq -r .key)` captures the key and nothing else.
 */
export class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

/**
 * The Nest levels a command logs at: LOG_LEVEL when set (its pino names), else warn, since a
 * command's "database ready" is not news to whoever typed it.
 */
export function cliLogLevels(setting: string | undefined): LogLevel[] {
  const level = toLogLevel(setting ?? 'warn');
  return nestLevelsFrom((LOG_LEVELS as readonly unknown[]).includes(level) ? (level as LogLevelName) : 'warn');
}
