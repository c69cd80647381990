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

describe('computeStats: what is and is not a provider failure or a success', () => {
  const now = Date.UTC(2026, 11, 7, 5, 30, 5);
  const tenSecondsOf = (rows: ReturnType<typeof requestRow>[]) => {
    const all = rollupsOf(rows);
    return {
      requests: all.requests.filter((r) => r.bucketMs === 10_000),
      attempts: all.attempts.filter((a) => a.bucketMs === 10_000),
    };
  };
  const attemptOf = (provider: string, outcome: string) =>
    ({
      ...requestRow('x').detail.attempts[0],
      target: `${provider}/gpt-4.1`,
      provider,
      outcome,
      error_class: outcome === 'ok' ? null : outcome,
    }) as never;

  // Audit item 2: every hedged request made its primary look failed (success rate 0, hedge_lost errors).
  it('leaves a hedge’s loser out of its provider’s reliability, counting it apart', () => {
    const hedged = requestRow('h', {
      timeMs: now - 1000,
      provider: 'backup',
      detail: {
        routing: null,
        guardrails: null,
        error_message: null,
        attempts: [attemptOf('backup', 'ok'), attemptOf('openai', 'hedge_lost')],
      },
    });
    const stats = computeStats(
      '15m',
      now,
      tenSecondsOf([hedged, requestRow('a', { timeMs: now - 1000 })]),
      [],
    );
    const openai = stats.providers.find((p) => p.provider === 'openai');
    expect(openai).toMatchObject({ attempts: 1, success_rate: 1, error_classes: {}, hedges_lost: 1 });
    expect(stats.series.errors).toEqual({});
    expect(stats.series.success_rate.openai?.at(-1)).toBe(1);
  });

  // Embeddings/dashboard audit item 3: a client's own 400s made a healthy provider look degraded.
  it('leaves the request’s own errors out of reliability, as the degradation alerts do', () => {
    const rows = ['bad_request', 'context_length', 'content_filter'].map((outcome, i) =>
      requestRow(`c${i}`, {
        timeMs: now - 1000,
        provider: 'mistral',
        detail: {
          routing: null,
          guardrails: null,
          error_message: null,
          attempts: [attemptOf('mistral', outcome)],
        },
      }),
    );
    rows.push(
      requestRow('ok', {
        timeMs: now - 1000,
        provider: 'mistral',
        detail: {
          routing: null,
          guardrails: null,
          error_message: null,
          attempts: [attemptOf('mistral', 'ok')],
        },
      }),
    );
    const stats = computeStats('15m', now, tenSecondsOf(rows), []);
    const mistral = stats.providers.find((p) => p.provider === 'mistral');
    expect(mistral).toMatchObject({
      attempts: 1,
      success_rate: 1,
      error_classes: {},
      client_errors: { bad_request: 1, context_length: 1, content_filter: 1 },
    });
    expect(stats.series.errors).toEqual({});
    expect(stats.series.success_rate.mistral?.at(-1)).toBe(1);
  });

  // Audit item 6: a stream that ended in an error event after its 200 counted as a success.
  it('counts a 2xx that ended in an error as no success, under its own status class', () => {
    const broken = requestRow('s', {
      timeMs: now - 1000,
      stream: true,
      finishReason: null,
      errorCode: 'upstream_stream_error',
    });
    const stats = computeStats(
      '15m',
      now,
      tenSecondsOf([broken, requestRow('a', { timeMs: now - 1000 })]),
      [],
    );
    expect(stats.totals.success_rate).toBe(0.5);
    expect(stats.models[0]).toMatchObject({
      model: 'chat',
      success_rate: 0.5,
      status_classes: { '2xx': 1, stream_error: 1 },
    });
  });

  // Audit item 8: hits added their tokens and traffic to the provider that once answered them.
  it('keeps cache hits out of every provider’s figures and out of the token totals', () => {
    const hit = requestRow('c', {
      timeMs: now - 1000,
      cache: 'HIT',
      costUsd: 0,
      cacheSavedUsd: 0.25,
      attempts: 0,
      rollupProvider: 'cache',
      detail: { routing: null, guardrails: null, error_message: null, attempts: [] },
    });
    const stats = computeStats('15m', now, tenSecondsOf([hit, requestRow('a', { timeMs: now - 1000 })]), []);
    expect(stats.totals.requests).toBe(2);
    expect(stats.totals.tokens).toEqual({ prompt: 12, completion: 30, cached: 2, reasoning: 5 });
    expect(stats.providers.map((p) => [p.provider, p.requests, p.traffic_share, p.tokens.prompt])).toEqual([
      ['openai', 1, 1, 12],
    ]);
    expect(stats.cache).toEqual({ hits: 1, hit_rate: 0.5, saved_usd: 0.25 });
    expect(stats.series.traffic.cache?.at(-1)).toBe(1);
  });

  // Embeddings/dashboard audit item 5: an unpriced model's cost showed as $0.
  it('never shows an unknown cost as zero: null when nothing was priced, with the unpriced count', () => {
    const unpriced = (id: string, model: string, provider = 'openai') =>
      requestRow(id, { timeMs: now - 1000, costUsd: null, model, provider });
    const stats = computeStats(
      '15m',
      now,
      tenSecondsOf([
        unpriced('u1', 'ada'),
        unpriced('u2', 'ada'),
        requestRow('p', { timeMs: now - 1000, costUsd: 0.5, model: 'chat' }),
        unpriced('u3', 'local-embed', 'local'),
      ]),
      [],
    );
    const model = (name: string) => stats.models.find((m) => m.model === name);
    expect(model('ada')).toMatchObject({ cost_usd: null, unpriced_requests: 2 });
    expect(model('chat')).toMatchObject({ cost_usd: 0.5, unpriced_requests: 0 });
    const provider = (name: string) => stats.providers.find((p) => p.provider === name);
    expect(provider('openai')).toMatchObject({ cost_usd: 0.5, unpriced_requests: 2 });
    expect(provider('local')).toMatchObject({ cost_usd: null, unpriced_requests: 1 });
    expect(stats.totals).toMatchObject({ cost_usd: 0.5, unpriced_requests: 3 });
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
