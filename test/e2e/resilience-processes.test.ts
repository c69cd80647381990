/**
 * Breaker and rate state shared across two gateway *processes* through the real Redis (issue 5).
 * resilience-shared.test.ts runs two Gateway instances in this process, each with its own Redis
 * connection; that cannot rule out state leaking through memory the instances share (a module-level
 * cache, one event loop). Here each gateway is `switchyard start --config FILE`, a child process of its
 * own with nothing in common with the other but the Redis named by `state:`, and everything is observed
 * the way an operator would: requests, `GET /admin/routing` and `/metrics`.
 *
 * The provider names carry a per-run suffix, so the breaker and cooldown records (keyed by provider and
 * model) cannot meet another run's under the default key prefix. Needs SWITCHYARD_TEST_REDIS_URL.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { type GatewayProcess, startProcess, stopProcess } from '../helpers/gateway-process.ts';
import { ask, drive, UNLIMITED } from './resilience-harness.ts';

const url = process.env.SWITCHYARD_TEST_REDIS_URL;
const ADMIN_KEY = 'admin-key-for-process-tests-0123456789';

interface RoutingReport {
  state: string;
  providers: Array<{
    name: string;
    keys: Array<{ id: string; state: string; throttled_models?: Record<string, string> }>;
  }>;
  targets: Array<{ target: string; breaker: { state: string } }>;
}

async function routing(gateway: GatewayProcess): Promise<RoutingReport> {
  const response = await fetch(`${gateway.url}/admin/routing`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RoutingReport;
}

async function metrics(gateway: GatewayProcess): Promise<string> {
  return (await fetch(`${gateway.url}/metrics`)).text();
}

/** Polls `check` (async) every 20 ms until it holds. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Removes this run's records from the default key prefix: breaker records (their key names the target),
 * and the entries naming its providers in the shared breaker hash and the cooldown sets.
 */
async function forget(redisUrl: string, names: readonly string[]): Promise<void> {
  const redis = new Redis(redisUrl);
  const ours = (text: string) => names.some((name) => text.includes(name));
  for (const key of await redis.keys('switchyard:*')) {
    if (ours(key)) await redis.del(key);
    else if ((await redis.type(key)) === 'hash') {
      const fields = (await redis.hkeys(key)).filter(ours);
      if (fields.length > 0) await redis.hdel(key, ...fields);
    } else if ((await redis.type(key)) === 'zset') {
      const members = (await redis.zrange(key, '0', '-1')).filter(ours);
      if (members.length > 0) await redis.zrem(key, ...members);
    }
  }
  redis.disconnect();
}

if (url === undefined) {
  console.log('[resilience two processes] skipped: SWITCHYARD_TEST_REDIS_URL is not set');
  describe('state shared across two gateway processes (Redis)', () => {
    it.skip('needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)', () => {});
  });
} else {
  describe('state shared across two gateway processes (Redis)', () => {
    let primary: FakeServer;
    let backup: FakeServer;
    let dir: string;
    const started: GatewayProcess[] = [];
    const names: string[] = [];
    let run = 0;

    beforeAll(async () => {
      primary = await startFakeOpenAI({ keys: ['sk-primary-a', 'sk-primary-b'], rateLimits: UNLIMITED });
      backup = await startFakeOpenAI({ keys: ['sk-backup'], rateLimits: UNLIMITED });
      dir = await mkdtemp(join(tmpdir(), 'switchyard-processes-'));
    });
    afterAll(async () => {
      await primary?.stop();
      await backup?.stop();
      await rm(dir, { recursive: true, force: true });
      await forget(url as string, names);
    });
    afterEach(async () => {
      await Promise.all(started.splice(0).map(stopProcess));
      primary.control.clear();
      await primary.up();
    });

    /** Two `switchyard start` processes on one config whose `state` is the test Redis. */
    async function pair(): Promise<{ a: GatewayProcess; b: GatewayProcess; name: string }> {
      run++;
      const name = `primary${process.pid}x${Date.now().toString(36)}x${run}`;
      names.push(name);
      const config = {
        state: url,
        server: { admin_key: ADMIN_KEY },
        providers: {
          [name]: { type: 'openai', keys: ['sk-primary-a', 'sk-primary-b'], base_url: `${primary.url}/v1` },
          [`backup${name}`]: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
        },
        models: { smart: { targets: [`${name}/gpt-4.1`, `backup${name}/gpt-4.1`] } },
        breaker: { sync_interval_ms: 50 },
        health: { probe_interval_ms: 0 },
      };
      const path = join(dir, `${name}.yaml`);
      // JSON is YAML.
      await writeFile(path, JSON.stringify(config));
      const [a, b] = await Promise.all([startProcess(path), startProcess(path)]);
      started.push(a, b);
      expect(a.child.pid).not.toBe(b.child.pid);
      expect((await routing(a)).state).toBe('redis');
      return { a, b, name };
    }

    const chats = (since: number) =>
      primary.requests.slice(since).filter((r) => r.path === '/v1/chat/completions');

    it('opens the breaker in process B when process A sees the provider fail, and B then skips it', async () => {
      const { a, b, name } = await pair();
      const target = `${name}/gpt-4.1`;
      const breakerOf = async (gw: GatewayProcess) =>
        (await routing(gw)).targets.find((t) => t.target === target)?.breaker.state;

      await primary.down();
      const failedAt = Date.now();
      const fromA = await drive(10, 1, () => ask(a.client, 'smart'));
      expect(fromA.every((o) => o.ok && o.provider === `backup${name}`)).toBe(true);
      expect(await breakerOf(a)).toBe('open');

      // B sent nothing to the primary, yet learns of the open breaker from Redis.
      await until(async () => (await breakerOf(b)) === 'open', 'process B to see the open breaker');
      const seenAfter = Date.now() - failedAt;
      const gauge = new RegExp(`switchyard_breaker_state\\{provider="${name}",model="gpt-4.1"\\} (\\d)`);
      const bGauge = gauge.exec(await metrics(b))?.[1];

      await primary.up();
      const before = primary.requests.length;
      const fromB = await drive(20, 5, () => ask(b.client, 'smart'));
      const wasted = chats(before).length;
      console.log(
        `[two processes: breaker] A (pid ${a.child.pid}) opened it; B (pid ${b.child.pid}) saw it open ${seenAfter} ms after A's first failure (B's switchyard_breaker_state = ${bGauge}); B's next 20 requests: ${fromB.filter((o) => o.ok).length} ok, ${wasted} attempts on the primary`,
      );
      expect(bGauge).toBe('2');
      expect(fromB.every((o) => o.ok && o.provider === `backup${name}` && o.attempts === 1)).toBe(true);
      expect(wasted).toBe(0);
    });

    it('shares key cooldowns: a key throttled in process A is skipped by process B', async () => {
      const { a, b, name } = await pair();
      const before = primary.requests.length;
      primary.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
      const first = await ask(a.client, 'smart');
      // Key rotation inside A: the 429 cost the client nothing.
      expect(first).toMatchObject({ ok: true, provider: name, attempts: 2 });
      const throttled = String(chats(before)[0]?.headers.authorization);

      const cooling = async () =>
        (await routing(b)).providers
          .find((p) => p.name === name)
          // A 429 cools the key for the model that was throttled (issue 13: providers limit per model).
          ?.keys.filter((k) => k.state === 'cooling' || Object.keys(k.throttled_models ?? {}).length > 0) ??
        [];
      await until(async () => (await cooling()).length === 1, 'process B to see the cooling key');

      const fromB = primary.requests.length;
      const outcomes = await drive(6, 1, () => ask(b.client, 'smart'));
      const keys = chats(fromB).map((r) => String(r.headers.authorization));
      console.log(
        `[two processes: key cooldown] A throttled …${throttled.slice(-1)}; B then used: ${keys.map((k) => k.slice(-1)).join(' ')}`,
      );
      expect(outcomes.every((o) => o.ok && o.provider === name && o.attempts === 1)).toBe(true);
      expect(keys).toHaveLength(6);
      expect(keys).not.toContain(throttled);
      // Neither process ever logs a key, only its id (and both did log their requests). Log lines are
      // written in batches (observability/logger.ts), so they may follow the answers by a flush period.
      await until(
        async () =>
          a.logs.some((line) => line.msg === 'request') && b.logs.some((line) => line.msg === 'request'),
        'both processes to write their request lines',
      );
      expect(JSON.stringify([...a.logs, ...b.logs])).not.toContain('sk-primary');
    });
  });
}
