// The resilience sections: `retry`, `breaker`, `health` and `routing` (issue 5).
// docs/configuration.md and docs/resilience.md explain each default.

import { z } from 'zod';
import { MAX_TIMER_MS, fromNumericString, milliseconds, ratio, wholeNumber } from './values.ts';

export const RESILIENCE_DEFAULTS = {
  retry: {
    maxAttempts: 5,
    backoffBaseMs: 250,
    backoffMaxMs: 4_000,
    maxWaitMs: 10_000,
    // One more round for a `provider/model` name: a transient 5xx, reset or short 429 on the one
    // target it pins is retried once after a backoff (docs/resilience.md explains the choice).
    retryDirectModels: 1,
    // One quick retry of the same target after a 5xx or reset: most are a load balancer's blip that
    // clears in well under a second, and the client asked for that model first.
    sameTargetRetries: 1,
    sameTargetDelayMs: 100,
  },
  breaker: {
    consecutiveFailures: 5,
    failureRate: 0.5,
    minimumRequests: 20,
    windowMs: 10_000,
    openMs: 10_000,
    // One probe interval: a provider that came back is used again within one probe (which closes the
    // breaker) or one open period, whichever comes first.
    maxOpenMs: 30_000,
    halfOpenTrials: 3,
    syncIntervalMs: 500,
  },
  health: {
    probeIntervalMs: 30_000,
    probeJitter: 0.2,
    probeTimeoutMs: 5_000,
    healthyRate: 0.95,
    deadRate: 0.5,
    halfLifeMs: 30_000,
    minimumRequests: 20,
    recoveryMs: 30_000,
  },
  routing: {
    rateLimitCooldownMs: 2_000,
    authCooldownMs: 600_000,
  },
} as const;

const D = RESILIENCE_DEFAULTS;

const RetrySchema = z
  .strictObject({
    max_attempts: wholeNumber(1, 20).default(D.retry.maxAttempts),
    backoff_base_ms: milliseconds.default(D.retry.backoffBaseMs),
    backoff_max_ms: milliseconds.default(D.retry.backoffMaxMs),
    max_wait_ms: wholeNumber(0, MAX_TIMER_MS).default(D.retry.maxWaitMs),
    // false: none; a number: that many more rounds; true: as many as a virtual model (max_attempts).
    retry_direct_models: z.union([z.boolean(), wholeNumber(0, 19)]).default(D.retry.retryDirectModels),
    same_target_retries: wholeNumber(0, 5).default(D.retry.sameTargetRetries),
    same_target_delay_ms: wholeNumber(1, 10_000).default(D.retry.sameTargetDelayMs),
  })
  .superRefine((retry, ctx) => {
    if (retry.backoff_max_ms < retry.backoff_base_ms)
      ctx.addIssue({ code: 'custom', path: ['backoff_max_ms'], message: 'must be at least backoff_base_ms' });
  });

const BreakerSchema = z
  .strictObject({
    consecutive_failures: wholeNumber(1, 10_000).default(D.breaker.consecutiveFailures),
    failure_rate: z.preprocess(fromNumericString, z.number().gt(0).max(1)).default(D.breaker.failureRate),
    minimum_requests: wholeNumber(1, 1_000_000).default(D.breaker.minimumRequests),
    window_ms: wholeNumber(100, MAX_TIMER_MS).default(D.breaker.windowMs),
    open_ms: milliseconds.default(D.breaker.openMs),
    max_open_ms: milliseconds.default(D.breaker.maxOpenMs),
    half_open_trials: wholeNumber(1, 1000).default(D.breaker.halfOpenTrials),
    sync_interval_ms: wholeNumber(10, MAX_TIMER_MS).default(D.breaker.syncIntervalMs),
  })
  .superRefine((breaker, ctx) => {
    if (breaker.max_open_ms < breaker.open_ms)
      ctx.addIssue({ code: 'custom', path: ['max_open_ms'], message: 'must be at least open_ms' });
  });

const HealthSchema = z
  .strictObject({
    // 0 turns active probes off.
    probe_interval_ms: wholeNumber(0, MAX_TIMER_MS).default(D.health.probeIntervalMs),
    probe_jitter: ratio.default(D.health.probeJitter),
    probe_timeout_ms: milliseconds.default(D.health.probeTimeoutMs),
    healthy_rate: ratio.default(D.health.healthyRate),
    dead_rate: ratio.default(D.health.deadRate),
    half_life_ms: milliseconds.default(D.health.halfLifeMs),
    minimum_requests: wholeNumber(0, 1_000_000).default(D.health.minimumRequests),
    recovery_ms: wholeNumber(0, MAX_TIMER_MS).default(D.health.recoveryMs),
  })
  .superRefine((health, ctx) => {
    if (health.dead_rate >= health.healthy_rate)
      ctx.addIssue({ code: 'custom', path: ['dead_rate'], message: 'must be less than healthy_rate' });
  });

const RoutingSchema = z.strictObject({
  rate_limit_cooldown_ms: milliseconds.default(D.routing.rateLimitCooldownMs),
  auth_cooldown_ms: milliseconds.default(D.routing.authCooldownMs),
});

export const retrySection = RetrySchema.prefault({});
export const breakerSection = BreakerSchema.prefault({});
export const healthSection = HealthSchema.prefault({});
export const routingSection = RoutingSchema.prefault({});
