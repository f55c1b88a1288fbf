import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { redactPhoneNumbers } from '../phone/phone-number';
import { currentCorrelator } from '../http/request-context';

/**
 * Nest's console logger with two guarantees: every line written while serving a request names
 * its correlator, and no E.164 phone number reaches the output in clear.
 */
export class AppLogger extends ConsoleLogger {
  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
  ): string {
    const correlator = currentCorrelator();
    const withCorrelator = correlator ? `${contextMessage}[x-correlator=${correlator}] ` : contextMessage;
    const line = super.formatMessage(logLevel, message, pidMessage, formattedLogLevel, withCorrelator, timestampDiff);
    return redactPhoneNumbers(line);
  }

  protected override printStackTrace(stack: string | undefined): void {
    // Nest calls this for every error() line, with undefined when the error had no stack.
    if (stack) super.printStackTrace(redactPhoneNumbers(stack));
  }
}
