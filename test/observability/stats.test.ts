/** /admin/stats arithmetic: quantiles from bucketed histograms, windows, reliability and traffic share. */
import { describe, expect, it } from 'vitest';
import { computeStats, quantileMs, windowRange } from '../../src/observability/stats.ts';
import { rollupsOf } from '../../src/store/request-log.ts';
import { requestRow } from '../store/request-rows.ts';

describe('quantileMs', () => {
  it('interpolates inside the bucket holding the rank, and is null for no data', () => {
    expect(quantileMs([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5)).toBeNull();
    // 10 samples in (100, 250]: the median sits halfway.
    expect(quantileMs([0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0], 0.5)).toBe(175);
    expect(quantileMs([10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10], 0.95)).toBe(32_000);
    expect(quantileMs([90, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.95)).toBe(75);
  });
});

describe('computeStats', () => {
  it('reads whole buckets of the window and splits reliability (attempts) from traffic (answers)', () => {
    const now = Date.UTC(2026, 11, 7, 5, 30, 5);
    expect(windowRange('15m', now)).toEqual({
      bucketMs: 10_000,
      fromMs: now - 5000 + 10_000 - 900_000,
      toMs: now - 5000 + 10_000,
    });
    const fallback = requestRow('f', {
      timeMs: now - 1000,
      provider: 'backup',
      detail: {
        routing: null,
        guardrails: null,
        error_message: null,
        attempts: [
          {
            ...requestRow('x').detail.attempts[0],
            provider: 'openai',
            outcome: 'server',
            status: 500,
          } as never,
          { ...requestRow('x').detail.attempts[0], provider: 'backup' } as never,
        ],
      },
    });
    const rows = [requestRow('a', { timeMs: now - 1000 }), requestRow('b', { timeMs: now - 2000 }), fallback];
    const all = rollupsOf(rows);
    const tenSeconds = {
      requests: all.requests.filter((r) => r.bucketMs === 10_000),
      attempts: all.attempts.filter((a) => a.bucketMs === 10_000),
    };
    const stats = computeStats('15m', now, tenSeconds, []);
    expect(stats.totals.requests).toBe(3);
    expect(
      stats.providers.map((p) => [p.provider, p.requests, p.traffic_share, p.attempts, p.success_rate]),
    ).toEqual([
      ['backup', 1, 0.3333, 1, 1],
      ['openai', 2, 0.6667, 3, 0.6667],
    ]);
    expect(stats.providers[1]?.error_classes).toEqual({ server: 1 });
    expect(stats.series.time).toHaveLength(90);
    expect(stats.series.traffic.openai?.at(-1)).toBe(2);
    expect(stats.series.errors.server?.at(-1)).toBe(1);
    expect(stats.series.success_rate.openai?.at(-1)).toBe(0.6667);
  });
});

describe('rollupsOf', () => {
  it('counts batch lines as traffic and spend but leaves them out of the latency histograms', () => {
    const now = Date.UTC(2026, 11, 7, 5, 30, 5);
    const live = requestRow('live', { timeMs: now, latencyTotalMs: 120 });
    const batch = requestRow('job:1', {
      timeMs: now,
      latencyTotalMs: 0,
      costUsd: 0.5,
      detail: { routing: null, guardrails: null, error_message: null, attempts: [], api: 'batch' },
    });
    const [rollup] = rollupsOf([live, batch]).requests.filter((r) => r.bucketMs === 10_000);
    expect(rollup?.requests).toBe(2);
    expect(rollup?.costUsd).toBeCloseTo((live.costUsd ?? 0) + 0.5, 12);
    expect(rollup?.latency.reduce((a, b) => a + b, 0)).toBe(1);
    expect(rollup?.latencySumMs).toBe(120);
  });
});
