import { describe, expect, it } from 'vitest';
import { createMetrics, requestStatusClass } from '../../src/observability/metrics.ts';
import { requestMetricsFor } from '../../src/observability/request-metrics.ts';

async function sample(metrics: ReturnType<typeof createMetrics>, name: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('per-request metrics', () => {
  it('counts requests by provider, status class and stream mode, and times them', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const count = (
      provider: string,
      status: number,
      stream: boolean,
      seconds: number,
      code: string | null = null,
    ) => requestMetricsFor(metrics, provider).request(requestStatusClass(status, code), stream, seconds);
    count('openai', 200, false, 0.02);
    count('openai', 200, false, 0.03);
    count('openai', 200, true, 0.5);
    // A stream that broke after its first byte: its 200 was sent, but it is no success.
    count('openai', 200, true, 0.4, 'upstream_stream_error');
    count('none', 499, false, 1.2);
    count('none', 404, false, 0.001, 'model_not_found');

    expect(await sample(metrics, 'switchyard_requests_total{')).toEqual([
      'switchyard_requests_total{provider="openai",status_class="2xx",stream="false"} 2',
      'switchyard_requests_total{provider="openai",status_class="2xx",stream="true"} 1',
      'switchyard_requests_total{provider="openai",status_class="stream_error",stream="true"} 1',
      'switchyard_requests_total{provider="none",status_class="client_closed",stream="false"} 1',
      'switchyard_requests_total{provider="none",status_class="4xx",stream="false"} 1',
    ]);
    const counts = await sample(metrics, 'switchyard_request_duration_seconds_count');
    expect(counts).toContain('switchyard_request_duration_seconds_count{provider="openai",stream="false"} 2');
    expect(counts).toContain('switchyard_request_duration_seconds_count{provider="openai",stream="true"} 2');
    const sums = await sample(
      metrics,
      'switchyard_request_duration_seconds_sum{provider="openai",stream="false"}',
    );
    expect(Number(sums[0]?.split(' ')[1])).toBeCloseTo(0.05, 6);
  });

  it('adds tokens by kind, cached and reasoning only when there are some', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const claude = requestMetricsFor(metrics, 'claude');
    claude.tokens({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
    claude.tokens({
      prompt_tokens: 50,
      completion_tokens: 30,
      total_tokens: 80,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
    claude.streamError();
    expect(await sample(metrics, 'switchyard_tokens_total{')).toEqual([
      'switchyard_tokens_total{provider="claude",kind="prompt"} 150',
      'switchyard_tokens_total{provider="claude",kind="completion"} 50',
      'switchyard_tokens_total{provider="claude",kind="cached"} 40',
      'switchyard_tokens_total{provider="claude",kind="reasoning"} 10',
    ]);
    expect(await sample(metrics, 'switchyard_stream_errors_total{')).toEqual([
      'switchyard_stream_errors_total{provider="claude"} 1',
    ]);
  });

  it('keeps one set of children per registry, so two gateways in one process never share counts', async () => {
    const first = createMetrics({ defaultMetrics: false });
    const second = createMetrics({ defaultMetrics: false });
    requestMetricsFor(first, 'openai').request('2xx', false, 0.01);
    expect(requestMetricsFor(first, 'openai')).toBe(requestMetricsFor(first, 'openai'));
    expect(await sample(second, 'switchyard_requests_total{')).toEqual([]);
  });
});
