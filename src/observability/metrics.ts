/**
 * Prometheus metrics. Label sets are bounded (style.md §2.9): provider names and status classes come
 * from config and a fixed list, never from client input; tenants and keys are not labels.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'provider' | 'status_class' | 'stream'>;
  requestDuration: Histogram<'provider' | 'stream'>;
  upstreamAttempts: Counter<'provider' | 'outcome'>;
  tokens: Counter<'provider' | 'kind'>;
  streamErrors: Counter<'provider'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'switchyard_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'switchyard_requests_total',
      help: 'Chat completion requests by the provider that answered (none when no attempt succeeded) and HTTP status class.',
      labelNames: ['provider', 'status_class', 'stream'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from request received to response end, including streaming.',
      labelNames: ['provider', 'stream'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'switchyard_upstream_attempts_total',
      help: 'Upstream attempts by outcome: ok or the error class.',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens by kind (prompt, completion, cached, reasoning) as reported by the provider.',
      labelNames: ['provider', 'kind'],
      registers: [registry],
    }),
    streamErrors: new Counter({
      name: 'switchyard_stream_errors_total',
      help: 'Streams that failed after their first byte reached the client.',
      labelNames: ['provider'],
      registers: [registry],
    }),
  };
}

export function statusClass(status: number): string {
  if (status === 499) return 'client_closed';
  return `${Math.floor(status / 100)}xx`;
}
