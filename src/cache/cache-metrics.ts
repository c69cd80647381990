/**
 * Cache metrics: requests by result (hit, miss, bypass), the cost hits saved, and store failures. Label
 * sets are fixed lists; children are resolved once per metrics registry.
 */
import { Counter } from 'prom-client';
import type { GatewayMetrics } from '../observability/metrics.ts';

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

type CounterChild = ReturnType<Counter<string>['labels']>;

export class CacheMetrics {
  readonly #hit: CounterChild;
  readonly #miss: CounterChild;
  readonly #bypass: CounterChild;
  readonly #savedUsd: Counter;
  readonly #readErrors: CounterChild;
  readonly #writeErrors: CounterChild;

  constructor(metrics: GatewayMetrics) {
    const registers = [metrics.registry];
    const requests = new Counter({
      name: 'switchyard_cache_requests_total',
      help: 'Chat completion requests by cache result: hit (answered from the cache), miss (looked up, not found), bypass (not looked up).',
      labelNames: ['result'],
      registers,
    });
    this.#hit = requests.labels('hit');
    this.#miss = requests.labels('miss');
    this.#bypass = requests.labels('bypass');
    this.#savedUsd = new Counter({
      name: 'switchyard_cache_saved_usd_total',
      help: 'What the answers served from the cache cost when they were first made (USD, known prices only).',
      registers,
    });
    const errors = new Counter({
      name: 'switchyard_cache_store_errors_total',
      help: 'Cache store operations that failed or timed out (a read that fails is a miss).',
      labelNames: ['operation'],
      registers,
    });
    this.#readErrors = errors.labels('read');
    this.#writeErrors = errors.labels('write');
  }

  request(status: CacheStatus, savedUsd: number | null): void {
    if (status === 'HIT') {
      this.#hit.inc();
      if (savedUsd !== null && savedUsd > 0) this.#savedUsd.inc(savedUsd);
    } else if (status === 'MISS') this.#miss.inc();
    else this.#bypass.inc();
  }

  storeError(operation: 'read' | 'write'): void {
    (operation === 'read' ? this.#readErrors : this.#writeErrors).inc();
  }
}

const byMetrics = new WeakMap<GatewayMetrics, CacheMetrics>();

export function cacheMetricsFor(metrics: GatewayMetrics): CacheMetrics {
  let known = byMetrics.get(metrics);
  if (known === undefined) {
    known = new CacheMetrics(metrics);
    byMetrics.set(metrics, known);
  }
  return known;
}
