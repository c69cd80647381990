/** Degradation alerts: departures from a provider's own baseline, breakers, recoveries, once each. */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.ts';
import { DegradationMonitor } from '../../src/observability/degradation.ts';
import type { AttemptDetail } from '../../src/store/request-log.ts';
import { requestRow } from '../store/request-rows.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 7, 5, 0);

function setup() {
  const alerts: Alert[] = [];
  const monitor = new DegradationMonitor({ raise: (alert) => alerts.push(alert) });
  const feed = (atMs: number, count: number, outcome: string, latencyMs = 100, provider = 'openai') => {
    for (let i = 0; i < count; i++) {
      const attempt: AttemptDetail = {
        target: `${provider}/gpt-4.1`,
        provider,
        model: 'gpt-4.1',
        key_id: 'k',
        status: outcome === 'ok' ? 200 : 503,
        outcome,
        error_class: outcome === 'ok' ? null : outcome,
        reason: 'first',
        duration_ms: latencyMs,
        first_byte_ms: latencyMs,
        wait_ms: 0,
      };
      monitor.record(
        requestRow(`r${i}`, {
          detail: { routing: null, attempts: [attempt], guardrails: null, error_message: null },
        }),
        atMs,
      );
    }
  };
  return { alerts, monitor, feed };
}

describe('DegradationMonitor', () => {
  it('alerts once when the error rate departs from the baseline, and once when it recovers', () => {
    const { alerts, monitor, feed } = setup();
    for (let m = 0; m < 30; m++) feed(T0 + m * MINUTE, 10, 'ok');
    monitor.check(T0 + 29 * MINUTE);
    expect(alerts).toEqual([]);

    for (let m = 30; m < 33; m++) {
      feed(T0 + m * MINUTE, 6, 'ok');
      feed(T0 + m * MINUTE, 4, 'overloaded');
    }
    monitor.check(T0 + 32 * MINUTE);
    monitor.check(T0 + 32 * MINUTE + 15_000);
    expect(alerts.map((a) => [a.kind, a.condition])).toEqual([
      ['provider_degraded', 'degraded:openai:error_rate'],
    ]);
    expect(alerts[0]?.details).toMatchObject({ provider: 'openai', baseline_error_rate: 0 });
    expect(alerts[0]?.period).toBe('h2026-12-07T05');

    for (let m = 33; m < 40; m++) feed(T0 + m * MINUTE, 10, 'ok');
    monitor.check(T0 + 39 * MINUTE);
    monitor.check(T0 + 39 * MINUTE + 15_000);
    expect(alerts.map((a) => a.kind)).toEqual(['provider_degraded', 'provider_recovered']);
  });

  it('alerts on a p95 latency far above the baseline, not on a small drift', () => {
    const { alerts, monitor, feed } = setup();
    for (let m = 0; m < 30; m++) feed(T0 + m * MINUTE, 10, 'ok', 200);
    for (let m = 30; m < 35; m++) feed(T0 + m * MINUTE, 10, 'ok', 300);
    monitor.check(T0 + 34 * MINUTE);
    expect(alerts).toEqual([]);
    for (let m = 35; m < 40; m++) feed(T0 + m * MINUTE, 10, 'ok', 3000);
    monitor.check(T0 + 39 * MINUTE);
    expect(alerts.map((a) => a.condition)).toEqual(['degraded:openai:latency']);
  });

  it('judges nothing on too little traffic, and never counts the client’s own errors', () => {
    const { alerts, monitor, feed } = setup();
    feed(T0, 5, 'server');
    feed(T0, 50, 'bad_request');
    feed(T0, 50, 'client_gone');
    monitor.check(T0);
    expect(alerts).toEqual([]);
  });

  // Observability audit item 2: a hedge's loser was counted as a failure of its provider, so a slow but
  // healthy primary behind a hedge raised provider_degraded at 100 % errors.
  it('never counts a hedge’s loser against its provider', () => {
    const { alerts, monitor, feed } = setup();
    feed(T0, 30, 'ok');
    feed(T0, 30, 'hedge_lost');
    monitor.check(T0);
    feed(T0 + MINUTE, 24, 'hedge_lost');
    monitor.check(T0 + MINUTE);
    expect(alerts).toEqual([]);
  });

  it('alerts a breaker opening and its recovery, per target, once each', () => {
    const { alerts, monitor } = setup();
    const states = new Map([['openai/gpt-4.1', 'closed']]);
    const source = { breakerStates: () => states.entries() };
    monitor.check(T0, source);
    states.set('openai/gpt-4.1', 'open');
    monitor.check(T0 + 1000, source);
    states.set('openai/gpt-4.1', 'half_open');
    monitor.check(T0 + 2000, source);
    monitor.check(T0 + 3000, source);
    states.set('openai/gpt-4.1', 'closed');
    monitor.check(T0 + 4000, source);
    expect(alerts.map((a) => [a.kind, a.condition])).toEqual([
      ['breaker_opened', 'breaker_open:openai/gpt-4.1'],
      ['breaker_recovered', 'breaker_closed:openai/gpt-4.1'],
    ]);
  });
});
