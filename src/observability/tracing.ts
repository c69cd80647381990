/**
 * OpenTelemetry traces over OTLP/HTTP when `telemetry.otlp_endpoint` is set (issue 12): a SERVER span per
 * request and a CLIENT span per upstream attempt, with the GenAI semantic-convention attributes
 * (gen-ai-attributes.ts pins their version). A W3C `traceparent` from the client is continued.
 *
 * Zero cost when off, and nearly so when on: no span exists while the request runs. Every span is
 * built after the response has ended, from the request context, with the start and end times the
 * pipeline already measured, and handed to the SDK's batch processor, which exports in the background
 * (and drops spans past its queue bound rather than wait).
 */
import {
  context as apiContext,
  type Attributes,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RequestContext } from '../pipeline/context.ts';
import type { RequestRow } from '../store/request-log.ts';
import { GEN_AI, genAiSystemOf, SEMCONV_VERSION } from './gen-ai-attributes.ts';

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

export interface TracingOptions {
  endpoint: string;
  serviceName: string;
  /** Export cadence; the SDK default (5 s) unless a test wants it sooner. */
  scheduledDelayMs?: number;
}

export class Tracing {
  readonly endpoint: string;
  readonly serviceName: string;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: ReturnType<BasicTracerProvider['getTracer']>;

  constructor(options: TracingOptions) {
    this.endpoint = options.endpoint;
    this.serviceName = options.serviceName;
    const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName }),
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          maxQueueSize: 8192,
          scheduledDelayMillis: options.scheduledDelayMs ?? 5000,
        }),
      ],
    });
    this.#tracer = this.#provider.getTracer('switchyard', undefined, {
      schemaUrl: `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`,
    });
  }

  /** The request's span and one child per attempt, from what the request recorded. */
  record(ctx: RequestContext, row: RequestRow): void {
    const origin = performance.timeOrigin;
    const startMs = origin + ctx.startedAt;
    const endMs = startMs + row.latencyTotalMs;
    const parent = propagator.extract(ROOT_CONTEXT, ctx.req.headers, headerGetter);
    const requestModel = row.model === '' ? 'unknown' : row.model;
    const answering = ctx.provider === null ? undefined : ctx.snapshot.providers.get(ctx.provider);
    const attributes: Attributes = {
      [GEN_AI.operationName]: 'chat',
      [GEN_AI.requestModel]: requestModel,
      [GEN_AI.requestStream]: row.stream,
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': row.status,
      'switchyard.request_id': row.requestId,
      'switchyard.attempts': row.attempts,
    };
    if (answering !== undefined) {
      attributes[GEN_AI.providerName] = genAiSystemOf(answering.type);
      attributes[GEN_AI.system] = genAiSystemOf(answering.type);
    }
    if (row.upstreamModel !== null) attributes[GEN_AI.responseModel] = row.upstreamModel;
    if (row.finishReason !== null) attributes[GEN_AI.responseFinishReasons] = [row.finishReason];
    if (row.provider !== null) {
      attributes[GEN_AI.usageInputTokens] = row.promptTokens;
      attributes[GEN_AI.usageOutputTokens] = row.completionTokens;
      if (row.cachedTokens > 0) attributes[GEN_AI.usageCacheReadInputTokens] = row.cachedTokens;
      if (row.reasoningTokens > 0) attributes[GEN_AI.usageReasoningOutputTokens] = row.reasoningTokens;
      attributes['switchyard.usage_estimated'] = row.usageEstimated;
    }
    if (row.tenant !== null) attributes['switchyard.tenant'] = row.tenant;
    if (row.costUsd !== null) attributes['switchyard.cost_usd'] = row.costUsd;
    if (row.cache !== null) attributes['switchyard.cache'] = row.cache;
    if (row.errorCode !== null) attributes['error.type'] = row.errorCode;
    if (ctx.stream && ctx.firstByteMs !== null)
      attributes[GEN_AI.responseTimeToFirstChunk] = ctx.firstByteMs / 1000;

    const span = this.#tracer.startSpan(
      `chat ${requestModel}`,
      { kind: SpanKind.SERVER, startTime: startMs, attributes },
      parent,
    );
    if (row.status >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR, message: row.errorCode ?? undefined });
    const parentContext = trace.setSpan(apiContext.active(), span);
    for (const attempt of ctx.attempts) {
      const [providerName = '', model = ''] = splitTarget(attempt.target);
      const provider = ctx.snapshot.providers.get(providerName);
      const attemptStart = origin + (attempt.startedAt ?? ctx.startedAt);
      const attemptAttributes: Attributes = {
        [GEN_AI.operationName]: 'chat',
        [GEN_AI.requestModel]: model,
        'switchyard.provider': providerName,
        'switchyard.key_id': attempt.keyId,
        'switchyard.attempt.reason': attempt.reason ?? 'first',
        'switchyard.attempt.outcome': attempt.outcome,
      };
      if (provider !== undefined) {
        attemptAttributes[GEN_AI.providerName] = genAiSystemOf(provider.type);
        attemptAttributes[GEN_AI.system] = genAiSystemOf(provider.type);
        attemptAttributes['server.address'] = hostOf(provider.origin);
      }
      if (attempt.status > 0) attemptAttributes['http.response.status_code'] = attempt.status;
      if (attempt.outcome !== 'ok') attemptAttributes['error.type'] = attempt.outcome;
      const child = this.#tracer.startSpan(
        `chat ${model}`,
        { kind: SpanKind.CLIENT, startTime: attemptStart, attributes: attemptAttributes },
        parentContext,
      );
      if (attempt.outcome !== 'ok') child.setStatus({ code: SpanStatusCode.ERROR, message: attempt.outcome });
      child.end(attemptStart + attempt.durationMs);
    }
    span.end(endMs);
  }

  /** Exports what waits now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#provider.forceFlush();
  }

  async close(): Promise<void> {
    await this.#provider.shutdown();
  }
}

function splitTarget(target: string): string[] {
  const at = target.indexOf('/');
  return at === -1 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return origin;
  }
}
