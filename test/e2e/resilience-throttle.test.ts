/**
 * The fallback must stay in service while the primary's breaker is open (the "stalls" flake of
 * resilience-outage.test.ts). There the backup fake's per-minute request bucket ran dry late in the
 * file: it answered a handful of 429s with `retry-after-ms` of a few milliseconds, five in a row among
 * 20 concurrent requests opened the backup's breaker, and with the primary's breaker open too every
 * request failed in a tenth of a millisecond with 502 "circuit breakers open" and no attempt at all.
 *
 * Here the same sequence is scripted, one request at a time (no concurrency, no load): the primary's
 * breaker opens on 500s, then the backup's only key answers five 429s in a row, each "come back in
 * 5 ms". The routing clock is Date.now() plus a skew the test moves, so "the open period has passed"
 * is a jump, not a wait.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import {
  ask,
  breakerTransitions,
  type ResilienceGateway,
  requestLines,
  startGateway,
  UNLIMITED,
} from './resilience-harness.ts';

const PRIMARY = 'primary/gpt-4.1';
const BACKUP = 'backup/gpt-4.1';
const OPEN_MS = 60_000;

let primary: FakeServer;
let backup: FakeServer;
let gw: ResilienceGateway | undefined;
const skew = { ms: 0 };

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-primary'], rateLimits: UNLIMITED });
  backup = await startFakeOpenAI({ keys: ['sk-backup'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  skew.ms = 0;
  primary.control.clear();
  backup.control.clear();
});

async function start(): Promise<ResilienceGateway> {
  gw = await startGateway(
    {
      providers: {
        primary: { type: 'openai', keys: ['sk-primary'], base_url: `${primary.url}/v1` },
        backup: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
      },
      models: { smart: { strategy: 'fallback', targets: [PRIMARY, BACKUP] } },
      // An open breaker stays open for the whole test unless the clock is moved on.
      breaker: { open_ms: OPEN_MS, max_open_ms: OPEN_MS },
      // Room for five throttles and the answer in one request; short backoffs keep the test quick.
      // No quick same-target retry: each request below fails over after exactly one primary attempt.
      retry: { max_attempts: 10, backoff_base_ms: 5, backoff_max_ms: 10, same_target_retries: 0 },
      health: { probe_interval_ms: 0 },
    },
    { clock: () => Date.now() + skew.ms },
  );
  return gw;
}

/** Five requests, each failing over from the primary's 500 to the backup: the primary's breaker opens. */
async function openPrimary(g: ResilienceGateway): Promise<void> {
  primary.control.setModelScript('gpt-4.1', { fault: { kind: 'status', status: 500 } });
  for (let i = 0; i < 5; i++) {
    expect(await ask(g.client, 'smart')).toMatchObject({ ok: true, provider: 'backup', attempts: 2 });
  }
  expect(breakerState(g, PRIMARY)).toBe('open');
}

function breakerState(g: ResilienceGateway, id: string): string | undefined {
  return g.gateway.routing.targets.get(id)?.breaker.state;
}

const chats = (server: FakeServer, since: number) =>
  server.requests.slice(since).filter((r) => r.path === '/v1/chat/completions');

describe('a fallback throttled for milliseconds while the primary is open', () => {
  it('keeps the fallback’s breaker closed and serves every request from it', async () => {
    const g = await start();
    await openPrimary(g);

    // The backup's only key is at its per-minute limit: five 429s in a row, each "retry in 5 ms".
    backup.control.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': '5' } } }, 5);
    const throttled = await ask(g.client, 'smart');
    // Before the fix the fifth 429 opened the backup's breaker: this request ended in a 429 and every
    // request after it in a 502 "circuit breakers open" with no attempt, for the whole open period.
    expect(throttled).toMatchObject({ ok: true, provider: 'backup', attempts: 6 });
    const line = requestLines(g.logs).at(-1);
    expect(line?.attempts.map((a) => a.outcome)).toEqual([
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'ok',
    ]);
    expect(breakerState(g, BACKUP)).toBe('closed');
    expect(breakerTransitions(g.logs, BACKUP)).toEqual([]);

    const after = await Promise.all(Array.from({ length: 5 }, () => ask(g.client, 'smart')));
    expect(after.every((o) => o.ok && o.provider === 'backup' && o.attempts === 1)).toBe(true);
    expect(breakerState(g, PRIMARY)).toBe('open');
  });

  it('tries the fallback at once when the primary is half-open and its trial slots are taken', async () => {
    const g = await start();
    await openPrimary(g);
    const target = g.gateway.routing.targets.get(PRIMARY);
    if (target === undefined) throw new Error('no primary target');

    // The open period has passed: three requests elsewhere hold the primary's three trial slots.
    skew.ms += OPEN_MS;
    for (let i = 0; i < 3; i++)
      expect(g.gateway.routing.acquireTrial(target, Date.now() + skew.ms)).toBe(true);
    expect(breakerState(g, PRIMARY)).toBe('half_open');

    const before = primary.requests.length;
    const outcome = await ask(g.client, 'smart');
    expect(outcome).toMatchObject({ ok: true, provider: 'backup', attempts: 1 });
    expect(chats(primary, before)).toHaveLength(0);
    expect(breakerState(g, BACKUP)).toBe('closed');
  });
});
