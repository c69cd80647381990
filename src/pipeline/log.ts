/**
 * One log line and the metrics per request, written after the response has ended (docs/style.md §2.9):
 * nothing here runs while the client is waiting.
 */
import { requestLineWriter } from '../observability/request-line.ts';
import { requestMetricsFor } from '../observability/request-metrics.ts';
import type { RequestContext } from './context.ts';
import type { Services } from './services.ts';

export function recordRequest(ctx: RequestContext, services: Services): void {
  const totalMs = performance.now() - ctx.startedAt;
  const status = ctx.clientAborted && !ctx.res.writableFinished ? 499 : ctx.status;
  const { metrics, logger } = services;
  const providerMetrics = requestMetricsFor(metrics, ctx.provider ?? 'none');
  providerMetrics.request(status, ctx.stream, totalMs / 1000);
  const usage = ctx.usage;
  if (usage !== undefined && ctx.provider !== null) providerMetrics.tokens(usage);
  if (ctx.errorCode === 'upstream_stream_error') providerMetrics.streamError();

  const line: Record<string, unknown> = {
    request_id: ctx.requestId,
    tenant: ctx.tenant?.name ?? null,
    key_id: ctx.keyId,
    model: ctx.request?.model ?? null,
    provider: ctx.provider,
    upstream_model: ctx.upstreamModel,
    stream: ctx.stream,
    status,
    attempts: ctx.attempts.map((attempt) => ({
      target: attempt.target,
      key_id: attempt.keyId,
      outcome: attempt.outcome,
      status: attempt.status,
      duration_ms: round(attempt.durationMs),
      reason: attempt.reason ?? null,
      wait_ms: attempt.waitMs ?? 0,
    })),
    finish_reason: ctx.finishReason,
    raw_finish_reason: ctx.rawFinishReason,
    usage:
      usage === undefined
        ? null
        : {
            prompt: usage.prompt_tokens,
            completion: usage.completion_tokens,
            cached: usage.prompt_tokens_details?.cached_tokens ?? 0,
            reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0,
          },
    cost_usd: ctx.costUsd,
    cost_estimate_usd: ctx.estimate?.costUsd ?? null,
    latency_ms: {
      total: round(totalMs),
      gateway: round(Math.max(0, totalMs - ctx.upstreamMs)),
      upstream: round(ctx.upstreamMs),
      first_byte: ctx.firstByteMs === null ? null : round(ctx.firstByteMs),
    },
    error: ctx.errorCode === null ? null : { code: ctx.errorCode, message: ctx.errorMessage },
    client_aborted: ctx.clientAborted,
  };
  // Stream recovery: where a broken stream was continued. Added only then, so the line every request
  // writes keeps its one literal shape (a spread in it costs every request).
  if (ctx.seams.length > 0) {
    line.seams = ctx.seams.map((seam) => ({
      from: seam.from,
      failure: seam.failure,
      to: seam.to,
      mode: seam.mode,
      at_chars: seam.atChars,
    }));
  }
  requestLineWriter(logger).write(line);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
