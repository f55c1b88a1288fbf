import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { Logger } from '@nestjs/common';
import { defaultResource, Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  Sampler,
  SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { AppConfig, parseOtlpHeaders } from '../config/app-config';
import { PACKAGE_ROOT } from '../config/package-root';

/**
 * Random ids, except the trace id of a root span that continues a trace already begun for the
 * request (its id is in the request's log lines): Tracing presets it just before starting the
 * span, synchronously, so no other span can take it.
 */
export class PresetTraceIds implements IdGenerator {
  preset: string | undefined;
  private readonly random = new RandomIdGenerator();

  generateTraceId(): string {
    return this.preset ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

export interface TracingSetup {
  exporter: SpanExporter;
  sampler: Sampler;
  resource: Resource;
  ids: PresetTraceIds;
}

/** OTEL_TRACES_SAMPLER and its argument as a sampler. */
export function samplerOf(config: AppConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG);
  switch (config.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

/** Where spans are sent: the signal-specific URL as written, else the base URL plus /v1/traces. */
export function tracesUrl(config: AppConfig): string {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * The OTLP/HTTP exporter, loaded only when tracing is on. Everything is passed from the
 * validated config: the exporter would otherwise read process.env itself, where neither a
 * test's settings nor a `.env` file validated here may be.
 */
async function otlpExporter(config: AppConfig): Promise<SpanExporter> {
  const options = { url: tracesUrl(config), headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS ?? '') };
  if (config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

function serviceResource(config: AppConfig): Resource {
  const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME, [ATTR_SERVICE_VERSION]: version }));
}

let diagnosticsRouted = false;

/**
 * The SDK reports its own trouble (a collector that refuses or cannot be reached) through
 * OpenTelemetry's diag API, silent by default: routed to our log, warnings and errors only.
 */
function routeDiagnostics(): void {
  if (diagnosticsRouted) return;
  diagnosticsRouted = true;
  const logger = new Logger('OpenTelemetry');
  const write = (level: 'error' | 'warn' | 'log' | 'debug' | 'verbose') => (message: string, ...args: unknown[]) =>
    logger[level]([message, ...args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : JSON.stringify(arg)))].join(' '));
  const diagLogger: DiagLogger = { error: write('error'), warn: write('warn'), info: write('log'), debug: write('debug'), verbose: write('verbose') };
  diag.setLogger(diagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

/** What the SDK needs to record spans, or undefined when tracing is off; `injected` replaces the OTLP exporter. */
export async function tracingSetup(config: AppConfig, injected?: SpanExporter): Promise<TracingSetup | undefined> {
  if (config.OTEL_SDK_DISABLED || config.OTEL_TRACES_EXPORTER === 'none') return undefined;
  routeDiagnostics();
  return { exporter: injected ?? (await otlpExporter(config)), sampler: samplerOf(config), resource: serviceResource(config), ids: new PresetTraceIds() };
}
