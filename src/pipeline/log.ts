/**
 * One log line, the stored row and the metrics per request, written after the response has ended
 * (docs/style.md §2.9): nothing here runs while the client is waiting, and the row is only queued
 * (store/writer.ts writes it in batches; a slow store drops rows, never delays a request).
 */
import { requestStatusClass } from '../observability/metrics.ts';
import { buildRequestRecord } from '../observability/request-record.ts';
import { requestLineWriter } from '../observability/request-line.ts';
import { metricsProviderOf, requestMetricsFor } from '../observability/request-metrics.ts';
import { cacheMetricsFor } from '../cache/cache-metrics.ts';
import type { RequestContext } from './context.ts';
import type { Services } from './services.ts';

/** Error codes of refusals made before any upstream (docs/design.md §1 "Control-plane errors"). */
const REFUSAL_CODES = new Set([
  'rate_limit_exceeded',
  'budget_exceeded',
  'limits_unavailable',
  'model_not_allowed',
  'invalid_api_key',
  'prompt_injection_detected',
]);

/**
 * A request whose client left before the answer was whole is a 499; one the gateway's shutdown cut is the
 * gateway's failure, not the client's nor the provider's: 503 `shutting_down` (a stream already answered
 * keeps its 200 and carries the code).
 */
function statusOf(ctx: RequestContext): number {
  if (ctx.cutByShutdown && !ctx.res.writableFinished) {
    ctx.clientAborted = false;
    ctx.errorCode = 'shutting_down';
    ctx.errorMessage = 'The gateway shut down before the answer was complete.';
    return ctx.res.headersSent ? ctx.status : 503;
  }
  return ctx.clientAborted && !ctx.res.writableFinished ? 499 : ctx.status;
}

export function recordRequest(ctx: RequestContext, services: Services): void {
  const totalMs = performance.now() - ctx.startedAt;
  const status = statusOf(ctx);
  const { metrics, logger } = services;
  // A cache hit is labelled `cache`: no provider served it now.
  const provider = metricsProviderOf(ctx);
  const providerMetrics = requestMetricsFor(metrics, provider);
  const statusLabel = requestStatusClass(status, ctx.errorCode);
  providerMetrics.request(statusLabel, ctx.stream, totalMs / 1000);
  const usage = ctx.usage;
  // A cache hit's usage is the original answer's: no provider spent those tokens now.
  if (usage !== undefined && ctx.provider !== null && ctx.cacheStatus !== 'HIT')
    providerMetrics.tokens(usage);
  cacheMetricsFor(metrics).request(ctx.cacheStatus, ctx.cacheSavedUsd);
  if (ctx.errorCode === 'upstream_stream_error') providerMetrics.streamError();
  if (ctx.costUsd !== null && ctx.costUsd > 0) providerMetrics.cost(ctx.costUsd);
  if (ctx.errorCode !== null && ctx.attempts.length === 0 && REFUSAL_CODES.has(ctx.errorCode))
    metrics.refusals.labels(ctx.errorCode).inc();
  if (ctx.stream && ctx.firstByteMs !== null && ctx.provider !== null)
    providerMetrics.timeToFirstToken(ctx.firstByteMs / 1000);
  const tenant = ctx.tenant;
  if (tenant !== undefined && ctx.snapshot.config.logging.metrics_tenant_label) {
    metrics.tenantRequests.labels(tenant.name, statusLabel).inc();
    if (ctx.costUsd !== null && ctx.costUsd > 0) metrics.tenantCostUsd.labels(tenant.name).inc(ctx.costUsd);
  }

  const record = buildRequestRecord(ctx, status, totalMs, Date.now());
  requestLineWriter(logger).write(record.line);
  if (ctx.snapshot.config.logging.store_requests) services.controlPlane?.spend?.enqueueRequest(record.row);
  services.observability?.requestEnded(ctx, record.row);
}
