/**
 * The response cache the `state` setting implies (docs/design.md §1: `state` holds the cache too): in
 * memory, bounded by `cache.max_bytes`, or in the shared Redis. Like the state store, it lives as long as
 * the process; a reload that changes `state`, `max_bytes` or `redis_timeout_ms` applies at the next start
 * (every other cache setting applies from the next request).
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { cacheMetricsFor } from './cache-metrics.ts';
import { MemoryCacheStore } from './memory-cache-store.ts';
import { RedisCacheStore } from './redis-cache-store.ts';
import { ResponseCache } from './response-cache.ts';

/** A Redis that keeps failing is logged at most this often; the metric counts every failure. */
const ERROR_LOG_INTERVAL_MS = 60_000;

export function createResponseCache(config: Config, logger: Logger, metrics: GatewayMetrics): ResponseCache {
  if (config.state === 'memory') return new ResponseCache(new MemoryCacheStore(config.cache.max_bytes));
  const cacheMetrics = cacheMetricsFor(metrics);
  let loggedAt = Number.NEGATIVE_INFINITY;
  const store = new RedisCacheStore(config.state, {
    timeoutMs: config.cache.redis_timeout_ms,
    onError: (operation, error) => {
      cacheMetrics.storeError(operation);
      const now = Date.now();
      if (now - loggedAt < ERROR_LOG_INTERVAL_MS) return;
      loggedAt = now;
      logger.warn({ err: error, operation }, 'response cache store failing: requests miss the cache');
    },
  });
  return new ResponseCache(store);
}
