/**
 * Issue 5, "done when": with one of two providers hard down (connection refused, 500s, 429s, stalls),
 * ≥ 99.9 % of 2,000 requests succeed; the breaker opens within 2 s; once open, requests pay no wasted
 * attempt on the dead provider (only the breaker's half-open trials reach it); after recovery traffic
 * returns. Each mode prints what it measured.
 *
 * Short timings keep the suite fast: a 300 ms time-to-first-token deadline, breakers that half-open
 * after 500 ms, a 500 ms recovery ramp. No probes: this is about what real traffic shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeScript, FakeServer } from '../../src/demo/fakes/shared/index.ts';
import {
  ask,
  breakerTransitions,
  drive,
  type Outcome,
  type ResilienceGateway,
  requestLines,
  startGateway,
  UNLIMITED,
} from './resilience-harness.ts';

const REQUESTS = 2_000;
const CONCURRENCY = 20;
const HALF_OPEN_TRIALS = 3;
const PRIMARY = 'primary/gpt-4.1';

let primary: FakeServer;
let backup: FakeServer;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-primary'], rateLimits: UNLIMITED });
  backup = await startFakeOpenAI({ keys: ['sk-backup'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
});

function config() {
  return {
    providers: {
      primary: {
        type: 'openai',
        keys: ['sk-primary'],
        base_url: `${primary.url}/v1`,
        connect_timeout_ms: 300,
        first_byte_timeout_ms: 300,
      },
      backup: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
    },
    models: { smart: { strategy: 'fallback', targets: [PRIMARY, 'backup/gpt-4.1'] } },
    breaker: { open_ms: 500, max_open_ms: 1_000, half_open_trials: HALF_OPEN_TRIALS },
    health: { probe_interval_ms: 0, recovery_ms: 500, half_life_ms: 500 },
    routing: { rate_limit_cooldown_ms: 200 },
  };
}

interface Mode {
  name: string;
  down(): Promise<void>;
  up(): Promise<void>;
}

const everyRequest = (script: FakeScript) => primary.control.setModelScript('gpt-4.1', script);

const modes: Mode[] = [
  { name: 'connection refused', down: () => primary.down(), up: () => primary.up() },
  {
    name: '500s',
    down: async () => everyRequest({ fault: { kind: 'status', status: 500 } }),
    up: async () => primary.control.clear(),
  },
  {
    name: '429s',
    down: async () => everyRequest({ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } }),
    up: async () => primary.control.clear(),
  },
  {
    name: 'stalls',
    down: async () => everyRequest({ fault: { kind: 'stall' } }),
    up: async () => primary.control.clear(),
  },
];

describe('one of two providers hard down', () => {
  for (const mode of modes) {
    it(`keeps ≥ 99.9 % of ${REQUESTS} requests succeeding when the primary fails with ${mode.name}`, async () => {
      const gw: ResilienceGateway = await startGateway(config());
      try {
        await runScenario(gw, mode);
      } finally {
        await mode.up();
        await gw.stop();
      }
    });
  }
});

async function runScenario(gw: ResilienceGateway, mode: Mode): Promise<void> {
  const send = () => ask(gw.client, 'smart');

  // Healthy: the primary serves everything.
  const warm = await drive(200, CONCURRENCY, send);
  expect(warm.every((o) => o.ok && o.provider === 'primary')).toBe(true);

  // Outage.
  await mode.down();
  const downAt = Date.now();
  const outcomes: Outcome[] = await drive(REQUESTS, CONCURRENCY, send);
  const downEnded = Date.now();

  const succeeded = outcomes.filter((o) => o.ok).length;
  const transitions = breakerTransitions(gw.logs, PRIMARY).filter((t) => t.at >= downAt);
  const openedAt = transitions.find((t) => t.state === 'open')?.at;
  expect(openedAt, 'the breaker opened').toBeDefined();
  const opened = openedAt as number;
  const halfOpens = transitions.filter((t) => t.state === 'half_open' && t.at <= downEnded).length;

  // Attempts on the dead provider by requests that started after the breaker opened: trials only.
  // A request's start is its log line's time minus its latency, exact to a millisecond or two; the
  // margin keeps a request that started in the same instant as the opening out of the count.
  const lines = requestLines(gw.logs).filter((line) => line.at >= downAt && line.at <= downEnded + 1_000);
  const startedAt = (line: (typeof lines)[number]) => line.at - (line.latency_ms as { total: number }).total;
  const startedAfterOpen = lines.filter((line) => startedAt(line) > opened + 20);
  const wasted = startedAfterOpen.filter((line) => line.attempts.some((a) => a.target === PRIMARY)).length;
  const primaryAttemptsBeforeOpen = lines
    .filter((line) => startedAt(line) <= opened)
    .filter((line) => line.attempts.some((a) => a.target === PRIMARY)).length;
  const extraAttempts = outcomes.reduce((sum, o) => sum + Math.max(0, o.attempts - 1), 0);

  // Recovery: the primary comes back; traffic returns once trials succeed and the ramp completes.
  await mode.up();
  const upAt = Date.now();
  let recoveredAt: number | undefined;
  let recoveryRequests = 0;
  while (recoveredAt === undefined && Date.now() - upAt < 10_000) {
    const batch = await drive(100, CONCURRENCY, send);
    recoveryRequests += batch.length;
    expect(batch.filter((o) => !o.ok)).toEqual([]);
    const share = batch.filter((o) => o.provider === 'primary').length / batch.length;
    if (share >= 0.95) recoveredAt = Date.now();
  }
  const closedAt = breakerTransitions(gw.logs, PRIMARY).find((t) => t.at >= upAt && t.state === 'closed')?.at;

  console.log(
    [
      `[outage: ${mode.name}] ${succeeded}/${REQUESTS} succeeded (${((100 * succeeded) / REQUESTS).toFixed(2)} %)`,
      `breaker open ${opened - downAt} ms after the outage began`,
      `${primaryAttemptsBeforeOpen} requests tried the primary before it opened`,
      `after it opened: ${wasted} requests touched the primary, all half-open trials (${halfOpens} half-open periods × ${HALF_OPEN_TRIALS} trials allowed)`,
      `${extraAttempts} extra attempts in total`,
      `recovery: breaker closed ${closedAt === undefined ? 'n/a' : `${closedAt - upAt} ms`} after the primary came back, ≥ 95 % of traffic back on it after ${recoveredAt === undefined ? 'n/a' : `${recoveredAt - upAt} ms`} (${recoveryRequests} requests)`,
    ].join('; '),
  );

  expect(succeeded / REQUESTS).toBeGreaterThanOrEqual(0.999);
  // Time is inherent here; the bound is the issue's own, and the measured value is printed above.
  expect(opened - downAt).toBeLessThan(2_000);
  expect(wasted).toBeLessThanOrEqual(halfOpens * HALF_OPEN_TRIALS);
  expect(recoveredAt, 'traffic returned to the primary').toBeDefined();
}
