/**
 * OpenTelemetry traces over OTLP/HTTP when `telemetry.otlp_endpoint` is set (issue 12): a SERVER span per
 * request and a CLIENT span per upstream attempt, with the GenAI semantic-convention attributes
 * (gen-ai-attributes.ts pins their version). A W3C `traceparent` from the client is continued, and
 * each upstream request carried one naming its attempt's span (trace-context.ts).
 *
 * Zero cost when off, and nearly so when on: no span exists while the request runs. Every span is
 * built after the response has ended, from the request context, with the start and end times the
 * pipeline already measured, and handed to the SDK's batch processor, which exports in the background
 * (and drops spans past its queue bound rather than wait).
 */
import {
  context as apiContext,
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
} from '@opentelemetry/sdk-trace-base';
import type { RequestContext } from '../pipeline/context.ts';
import type { RequestRow } from '../store/request-log.ts';
import { GEN_AI, genAiSystemOf, SEMCONV_VERSION } from './gen-ai-attributes.ts';
import type { TraceContext } from './trace-context.ts';

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

/**
 * The route each client protocol is served on and its GenAI operation, by front name (`ctx.front`;
 * none: Chat Completions). The Messages and Responses APIs are chat in the conventions' terms.
 */
const CHAT_COMPLETIONS = { route: '/v1/chat/completions', operation: 'chat' };
const OPERATIONS: ReadonlyMap<string, { route: string; operation: string }> = new Map([
  ['anthropic-messages', { route: '/v1/messages', operation: 'chat' }],
  ['responses', { route: '/v1/responses', operation: 'chat' }],
  ['embeddings', { route: '/v1/embeddings', operation: 'embeddings' }],
]);

export function operationOf(frontName: string | undefined): { route: string; operation: string } {
  return (frontName === undefined ? undefined : OPERATIONS.get(frontName)) ?? CHAT_COMPLETIONS;
}

/**
 * Whether the request span is an error: a 5xx (a 4xx is the client's, as the HTTP conventions have it
 * for servers), or a 2xx that ended in an error event after its first byte (docs/design.md §2).
 */
export function isErrorRequest(status: number, errorCode: string | null): boolean {
  return status >= 500 || (status >= 200 && status < 300 && errorCode !== null);
}

/**
 * The tracer's ids: the ones the request already sent upstream (trace-context.ts) when `plan` named
 * them for the next span, else random. Spans are started one at a time, synchronously, so a plan is
 * used by the very next span and by no other.
 */
class PlannedIds implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  #traceId: string | undefined;
  #spanId: string | undefined;

  plan(traceId: string | undefined, spanId: string | undefined): void {
    this.#traceId = traceId;
    this.#spanId = spanId;
  }

  generateTraceId(): string {
    const id = this.#traceId ?? this.#random.generateTraceId();
    this.#traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.#spanId ?? this.#random.generateSpanId();
    this.#spanId = undefined;
    return id;
  }
}

/** The client's span, as the request's trace context saw it, for the request span to continue. */
function parentOf(ids: TraceContext): Context {
  if (ids.parentSpanId === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: ids.traceId,
    spanId: ids.parentSpanId,
    traceFlags: Number.parseInt(ids.flags, 16),
    isRemote: true,
    traceState: ids.traceState === undefined ? undefined : new TraceState(ids.traceState),
  });
}

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
  readonly #ids = new PlannedIds();

  constructor(options: TracingOptions) {
    this.endpoint = options.endpoint;
    this.serviceName = options.serviceName;
    const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
    this.#provider = new BasicTracerProvider({
      idGenerator: this.#ids,
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
    // Ids chosen when the first attempt started (and sent upstream), or none: no attempt was made.
    const ids = ctx.trace;
    const parent =
      ids === undefined ? propagator.extract(ROOT_CONTEXT, ctx.req.headers, headerGetter) : parentOf(ids);
    const requestModel = row.model === '' ? 'unknown' : row.model;
    const answering = ctx.provider === null ? undefined : ctx.snapshot.providers.get(ctx.provider);
    const { route, operation } = operationOf(ctx.front?.name);
    const attributes: Attributes = {
      [GEN_AI.operationName]: operation,
      [GEN_AI.requestModel]: requestModel,
      [GEN_AI.requestStream]: row.stream,
      'http.request.method': 'POST',
      'http.route': route,
      'http.response.status_code': row.status,
      'switchyard.request_id': row.requestId,
      'switchyard.attempts': row.attempts,
    };
    if (answering !== undefined) {
      attributes[GEN_AI.providerName] = genAiSystemOf(answering.type);
      attributes[GEN_AI.system] = genAiSystemOf(answering.type);
    }
    // The row names the provider last tried when none answered; the response attributes are the answer's.
    if (ctx.upstreamModel !== null) attributes[GEN_AI.responseModel] = ctx.upstreamModel;
    if (row.finishReason !== null) attributes[GEN_AI.responseFinishReasons] = [row.finishReason];
    if (ctx.provider !== null) {
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

    this.#ids.plan(ids?.traceId, ids?.serverSpanId);
    const span = this.#tracer.startSpan(
      `${operation} ${requestModel}`,
      { kind: SpanKind.SERVER, startTime: startMs, attributes },
      parent,
    );
    if (isErrorRequest(row.status, row.errorCode))
      span.setStatus({ code: SpanStatusCode.ERROR, message: row.errorCode ?? undefined });
    const parentContext = trace.setSpan(apiContext.active(), span);
    for (const attempt of ctx.attempts) {
      const [providerName = '', model = ''] = splitTarget(attempt.target);
      const provider = ctx.snapshot.providers.get(providerName);
      const attemptStart = origin + (attempt.startedAt ?? ctx.startedAt);
      const attemptAttributes: Attributes = {
        [GEN_AI.operationName]: operation,
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
      this.#ids.plan(undefined, attempt.spanId);
      const child = this.#tracer.startSpan(
        `${operation} ${model}`,
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
