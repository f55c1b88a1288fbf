import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { DestinationStream, Logger as Pino, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { requestContext } from '../http/request-context';
import { traceLogFields } from '../../tracing/request-trace';
import { LogLevelName } from './log-level';
import { redactSecrets } from './log-redaction';
import { LogSink, TurnBatchedSink } from './turn-batched-sink';

export type { LogSink } from './turn-batched-sink';

export type LogFormat = 'json' | 'pretty';

export interface StructuredLoggerOptions {
  /** pino's level names (LOG_LEVEL); Nest's `log` and `verbose` lines are pino's info and trace. */
  level: LogLevelName;
  format: LogFormat;
  /** Where lines go, as they are logged (tests); by default stdout, a turn's lines in one write. */
  sink?: LogSink;
}

/**
 * One line per entry: `12:00:01.123 INFO: [DecisionService] [x-correlator=abc] message`.
 * Fields shown in the message (context, correlator) or in the access line's text (http) are
 * left out of the trailing JSON of extra fields, and so are the trace's ids.
 */
function prettyRenderer(colorize: boolean): (line: string) => string {
  return prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // Trace ids are for log pipelines, which read JSON lines: 48 hex digits would drown a person's line.
    ignore: 'pid,hostname,context,correlator,http,trace_id,span_id',
    messageFormat: '{if context}[{context}] {end}{if correlator}[x-correlator={correlator}] {end}{msg}',
  });
}

/**
 * The end of pino's pipeline, in-process: every serialised line is redacted (see
 * redactSecrets) and, for people, rendered by pino-pretty's formatter. pino-pretty as a pino
 * transport would run in a worker thread, where a line logged just before a crash or the end
 * of a test may not have been written yet; here stdout gets each turn's lines at the end of
 * the turn, and at exit (see TurnBatchedSink).
 */
function lineWriter(format: LogFormat, given: LogSink | undefined): DestinationStream {
  const sink = given ?? new TurnBatchedSink(process.stdout);
  const render = format === 'pretty' ? prettyRenderer(given === undefined && process.stdout.isTTY) : (line: string) => line;
  return { write: (line: string) => void sink.write(render(redactSecrets(line))) };
}

/** The application's pino instance: JSON lines, each naming the request it was logged for. */
function createPino(options: StructuredLoggerOptions): Pino {
  return pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not pino's numbers: log pipelines and people filter on "warn", not 40.
      formatters: { level: (label) => ({ level: label }) },
      // Read per line from the request's async context, so that lines logged by code that
      // knows nothing of requests (services, the error filter, framework code) carry it too.
      // The trace too (src/tracing/): trace_id always, span_id while a span of ours records.
      mixin: () => {
        const store = requestContext.getStore();
        return store === undefined ? {} : { correlator: store.correlator, ...traceLogFields(store) };
      },
      // Nothing logs request headers today; a future `log(request.headers)` must not leak keys.
      redact: { paths: ['headers.authorization', 'req.headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
    },
    lineWriter(options.format, options.sink),
  );
}

/**
 * nestjs-pino keeps the pino instance of its PinoLogger in a module-level variable, set by
 * the first one created: two applications in one process (tests, the benchmark) would both
 * write through the first one's settings. This one answers with its own instance.
 */
class InstancePinoLogger extends PinoLogger {
  constructor(private readonly instance: Pino) {
    super({ pinoHttp: { logger: instance } });
  }

  override get logger(): Pino {
    return this.instance;
  }
}

/**
 * The service's Nest logger: nestjs-pino's mapping of Nest's logger API onto pino (levels,
 * context as a field, errors with their stack), writing JSON lines or readable ones.
 */
export class StructuredLogger extends NestPinoLogger {
  readonly pino: Pino;

  constructor(options: StructuredLoggerOptions) {
    const instance = createPino(options);
    super(new InstancePinoLogger(instance), {});
    this.pino = instance;
  }
}
