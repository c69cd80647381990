/**
 * The limits stage (docs/design.md §2): requests per minute, tokens per minute, concurrent requests and the
 * budget reservation, decided in one atomic call to the state store (one Lua round trip on Redis), so
 * N instances admit exactly what one would. Refusals never reach an upstream. Every answer to a limited
 * tenant carries OpenAI's x-ratelimit-* headers (ctx.rateLimitHeaders, written by respond.ts); a refusal
 * adds retry-after.
 */
import type { CompiledTenant } from '../control-plane/tenant-policy.ts';
import { budgetExceeded, limitsUnavailable, rateLimitExceeded } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { periodOf } from '../limits/budget-period.ts';
import { formatResetDuration } from '../limits/reset-duration.ts';
import {
  type AdmissionResult,
  type AdmissionSpec,
  type BudgetSpec,
  NANO_USD_PER_USD,
} from '../limits/types.ts';
import type { StateStore } from '../state/types.ts';
import type { RequestContext } from './context.ts';

/** A lease outlives the request deadline by this much before it stops counting (a crashed instance). */
const LEASE_MARGIN_MS = 60_000;

/**
 * `withBudget: false` admits a request the cache answers: a hit is free against budgets (issue 14), so a
 * spent budget does not refuse it and nothing is reserved; rate limits count it as any request.
 */
export function admitRequest(
  ctx: RequestContext,
  state: StateStore,
  withBudget = true,
): void | Promise<void> {
  const tenant = ctx.tenant;
  if (tenant === undefined || !tenant.limited) return;
  const nowMs = Date.now();
  const spec = admissionSpec(ctx, tenant, nowMs);
  if (!withBudget) spec.budget = undefined;
  const result = state.admit(tenant.scope, spec, nowMs);
  if (result instanceof Promise) return result.then((answer) => applyAdmission(ctx, tenant, spec, answer));
  applyAdmission(ctx, tenant, spec, result);
}

function admissionSpec(ctx: RequestContext, tenant: CompiledTenant, nowMs: number): AdmissionSpec {
  const estimate = ctx.estimate;
  return {
    requestId: ctx.requestId,
    rpm: tenant.rpm,
    tpm: tenant.tpm,
    concurrent: tenant.concurrent,
    estimatedTokens: estimate === undefined ? 0 : estimate.promptTokens + estimate.maxOutputTokens,
    budget: budgetSpec(tenant, estimate?.costUsd ?? null, nowMs),
    leaseMs: ctx.snapshot.config.server.request_timeout_ms + LEASE_MARGIN_MS,
  };
}

function budgetSpec(tenant: CompiledTenant, costUsd: number | null, nowMs: number): BudgetSpec | undefined {
  const budget = tenant.budget;
  if (budget === undefined) return undefined;
  const period = periodOf(budget.period, nowMs);
  return {
    periodKey: period.key,
    periodEndMs: period.endMs,
    limitNanoUsd: Math.round(budget.usd * NANO_USD_PER_USD),
    hard: budget.mode === 'hard',
    // An unknown price reserves nothing: the request is admitted and its model alerted (account.ts).
    reserveNanoUsd: costUsd === null ? 0 : Math.ceil(costUsd * NANO_USD_PER_USD),
  };
}

function applyAdmission(
  ctx: RequestContext,
  tenant: CompiledTenant,
  spec: AdmissionSpec,
  result: AdmissionResult,
): void {
  const headers = rateLimitHeaders(result);
  // respond.ts writes them with the answer, the error envelope included (every answer to a tenant).
  ctx.rateLimitHeaders = headers;
  if (!result.allowed) throw refusal(tenant, result, headers);
  ctx.admission = { scope: tenant.scope, spec, spentNanoUsd: result.budget?.spentNanoUsd ?? 0 };
}

export function rateLimitHeaders(result: AdmissionResult): Record<string, string> {
  const headers: Record<string, string> = {};
  const requests = result.requests;
  if (requests !== undefined) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, requests.remaining));
    headers['x-ratelimit-reset-requests'] = formatResetDuration(requests.resetMs);
  }
  const tokens = result.tokens;
  if (tokens !== undefined) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens.remaining));
    headers['x-ratelimit-reset-tokens'] = formatResetDuration(tokens.resetMs);
  }
  return headers;
}

function refusal(
  tenant: CompiledTenant,
  result: AdmissionResult,
  headers: Record<string, string>,
): GatewayError {
  const retryAfterMs = result.retryAfterMs;
  switch (result.refusal) {
    case 'rpm':
      return rateLimitExceeded('rpm', tenant.rpm ?? 0, retryAfterMs, headers);
    case 'tpm':
      return rateLimitExceeded('tpm', tenant.tpm ?? 0, retryAfterMs, headers);
    case 'concurrent':
      return rateLimitExceeded('concurrent', tenant.concurrent ?? 0, retryAfterMs, headers);
    case 'budget': {
      const budget = tenant.budget;
      return budgetExceeded(budget?.usd ?? 0, budget?.period ?? 'day', retryAfterMs, headers);
    }
    default:
      // `unavailable`: the shared state did not answer and limits fail closed (limits.on_state_failure).
      return limitsUnavailable();
  }
}
