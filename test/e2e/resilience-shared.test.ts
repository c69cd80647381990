/**
 * Breaker and rate state shared across two gateway processes through the real Redis (issue 5): two
 * Gateway instances, each with its own RedisState client, on one key prefix. Needs
 * SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) and prints what it skipped without it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { RedisState } from '../../src/state/redis.ts';
import { waitFor } from '../helpers/gateway.ts';
import { ask, drive, type ResilienceGateway, startGateway, UNLIMITED } from './resilience-harness.ts';

const url = process.env.SWITCHYARD_TEST_REDIS_URL;

if (url === undefined) {
  console.log('[resilience shared state] skipped: SWITCHYARD_TEST_REDIS_URL is not set');
  describe('state shared across gateway instances (Redis)', () => {
    it.skip('needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)', () => {});
  });
} else {
  describe('state shared across gateway instances (Redis)', () => {
    let primary: FakeServer;
    let backup: FakeServer;
    const started: ResilienceGateway[] = [];
    let run = 0;

    beforeAll(async () => {
      primary = await startFakeOpenAI({ keys: ['sk-primary-a', 'sk-primary-b'], rateLimits: UNLIMITED });
      backup = await startFakeOpenAI({ keys: ['sk-backup'], rateLimits: UNLIMITED });
    });
    afterAll(async () => {
      await primary?.stop();
      await backup?.stop();
    });
    afterEach(async () => {
      await Promise.all(started.splice(0).map((gw) => gw.stop()));
      primary.control.clear();
      await primary.up();
    });

    /** Two instances on one Redis prefix, fresh for each test. */
    async function pair(): Promise<[ResilienceGateway, ResilienceGateway]> {
      run++;
      const prefix = `sy-test:${process.pid}:${Date.now()}:${run}:`;
      const document = {
        providers: {
          primary: { type: 'openai', keys: ['sk-primary-a', 'sk-primary-b'], base_url: `${primary.url}/v1` },
          backup: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
        },
        models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
        breaker: { sync_interval_ms: 50 },
        health: { probe_interval_ms: 0 },
      };
      const gateways: ResilienceGateway[] = [];
      for (let i = 0; i < 2; i++) {
        const state = new RedisState(url as string, { prefix });
        await state.ready();
        const gw = await startGateway(document, { state });
        started.push(gw);
        gateways.push(gw);
      }
      return gateways as [ResilienceGateway, ResilienceGateway];
    }

    const chats = (server: FakeServer, since: number) =>
      server.requests.slice(since).filter((r) => r.path === '/v1/chat/completions');

    it('opens the breaker for every instance when one of them sees the provider fail', async () => {
      const [a, b] = await pair();
      await primary.down();
      const failedAt = Date.now();
      const fromA = await drive(10, 1, () => ask(a.client, 'smart'));
      expect(fromA.every((o) => o.ok && o.provider === 'backup')).toBe(true);
      expect(a.gateway.routing.targets.get('primary/gpt-4.1')?.breaker.state).toBe('open');

      // B sent nothing to the primary, yet learns of the open breaker from Redis.
      const bTarget = b.gateway.routing.targets.get('primary/gpt-4.1');
      await waitFor(() => bTarget?.breaker.state === 'open', 5_000, 'instance B to see the open breaker');
      console.log(
        `[shared breaker] instance B saw it open ${Date.now() - failedAt} ms after A's first failure`,
      );
      await primary.up();
      const before = primary.requests.length;
      const fromB = await drive(20, 5, () => ask(b.client, 'smart'));
      expect(fromB.every((o) => o.ok && o.provider === 'backup' && o.attempts === 1)).toBe(true);
      expect(chats(primary, before)).toHaveLength(0);
    });

    it('shares key cooldowns: a key throttled on one instance is skipped by the other', async () => {
      const [a, b] = await pair();
      const before = primary.requests.length;
      primary.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
      const first = await ask(a.client, 'smart');
      expect(first).toMatchObject({ ok: true, provider: 'primary', attempts: 2 });
      const throttled = String(chats(primary, before)[0]?.headers.authorization);

      const bKeys = b.gateway.routing.providers.get('primary')?.keys;
      // A 429 cools the key for that model (issue 13): B sees it among the key's throttled models.
      await waitFor(
        () => bKeys?.status(Date.now()).some((key) => key.models?.['gpt-4.1'] !== undefined) === true,
        5_000,
        'instance B to see the cooling key',
      );
      const fromB = primary.requests.length;
      const outcomes = await drive(6, 1, () => ask(b.client, 'smart'));
      const keys = chats(primary, fromB).map((r) => String(r.headers.authorization));
      console.log(
        `[shared cooldown] A throttled …${throttled.slice(-1)}; B then used: ${keys.map((k) => k.slice(-1)).join(' ')}`,
      );
      expect(outcomes.every((o) => o.ok && o.attempts === 1)).toBe(true);
      expect(keys).toHaveLength(6);
      expect(keys).not.toContain(throttled);
    });

    it('keeps ≥ 99.9 % of 2,000 requests over two instances succeeding through an outage, with one shared breaker', async () => {
      const [a, b] = await pair();
      primary.control.setModelScript('gpt-4.1', { fault: { kind: 'status', status: 500 } });
      const downAt = Date.now();
      const outcomes = await drive(2_000, 20, (i) => ask((i % 2 === 0 ? a : b).client, 'smart'));
      const succeeded = outcomes.filter((o) => o.ok).length;
      const openedAt = [a, b]
        .flatMap((gw) => gw.logs)
        .filter((line) => line.msg === 'circuit breaker changed state' && line.breaker === 'open')
        .map((line) => line.at);
      const touchedPrimary = outcomes.filter((o) => o.attempts > 1).length;
      console.log(
        `[shared outage: 500s, two instances] ${succeeded}/2000 succeeded; breaker open ${Math.min(...openedAt) - downAt} ms after the outage began; ${touchedPrimary} requests paid an attempt on the primary`,
      );
      expect(succeeded / 2_000).toBeGreaterThanOrEqual(0.999);
      expect(Math.min(...openedAt) - downAt).toBeLessThan(2_000);
      // Before it opened, and the half-open trials; far from one wasted attempt per request.
      expect(touchedPrimary).toBeLessThan(100);
    });

    it('holds a breaker forced open through one instance’s admin action on the other as well', async () => {
      const [a, b] = await pair();
      const target = a.gateway.routing.targets.get('primary/gpt-4.1');
      if (target === undefined) throw new Error('no target');
      await a.gateway.routing.forceBreaker(target, 'isolate');
      const bTarget = b.gateway.routing.targets.get('primary/gpt-4.1');
      await waitFor(() => bTarget?.breaker.state === 'isolated', 5_000, 'instance B to see the isolation');
      const before = primary.requests.length;
      const outcome = await ask(b.client, 'smart');
      expect(outcome).toMatchObject({ ok: true, provider: 'backup', attempts: 1 });
      expect(chats(primary, before)).toHaveLength(0);
    });
  });
}
