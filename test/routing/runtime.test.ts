import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { probeProvider } from '../../src/routing/health-probe.ts';
import { RedisState } from '../../src/state/redis.ts';
import { waitFor } from '../helpers/gateway.ts';
import { type Compiled, compile, providers } from './fixtures.ts';

let compiled: Compiled | undefined;
let fake: FakeServer | undefined;
afterEach(async () => {
  await compiled?.close();
  await fake?.stop();
  compiled = undefined;
  fake = undefined;
});

describe('RoutingRuntime', () => {
  it('follows its breaker: opens, logs and gauges the transition, ramps traffic back after closing', async () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a', 'backup/b'] } } });
    compiled = c;
    const a = c.target('openai/a').runtime;
    for (let i = 0; i < 5; i++) c.runtime.recordOutcome(a, 'failure', c.clock.now);
    expect(a.breaker.state).toBe('open');
    expect(c.runtime.gate(a, c.clock.now)).toBe('blocked');
    const line = c.logs.find((l) => l.msg === 'circuit breaker changed state');
    expect(line).toMatchObject({ level: 40, target: 'openai/a', breaker: 'open', from: 'closed' });
    const gauge = await c.metrics.breakerState.get();
    expect(gauge.values.find((v) => v.labels.model === 'a')?.value).toBe(2);

    c.clock.now += 10_000;
    expect(c.runtime.gate(a, c.clock.now)).toBe('trial');
    for (let i = 0; i < 3; i++) {
      expect(c.runtime.acquireTrial(a, c.clock.now)).toBe(true);
      c.runtime.recordOutcome(a, 'success', c.clock.now);
    }
    expect(a.breaker.state).toBe('closed');
    expect(c.runtime.score(a, c.clock.now)).toBeCloseTo(0.1, 5);
    c.clock.now += 15_000;
    expect(c.runtime.score(a, c.clock.now)).toBeCloseTo(0.55, 5);
    c.clock.now += 15_000;
    expect(c.runtime.score(a, c.clock.now)).toBe(1);
  });

  it('never lets an older breaker view replace a newer one', () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a'] } } });
    compiled = c;
    const a = c.target('openai/a').runtime;
    for (let i = 0; i < 5; i++) c.runtime.recordOutcome(a, 'failure', c.clock.now);
    const open = a.breaker;
    c.runtime.recordOutcome(a, 'success', c.clock.now);
    expect(a.breaker.generation).toBe(open.generation);
    expect(a.breaker.state).toBe('open');
  });

  it('takes a refused key out of service with an alert that names the key id, never the key', async () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a'] } } });
    compiled = c;
    const provider = c.snapshot.providers.get('openai');
    if (provider === undefined) throw new Error('no provider');
    c.runtime.coolKey(provider.runtime, 1, c.clock.now + 600_000, 'auth');
    const alert = c.logs.find((l) => l.alert === 'provider_key_rejected');
    expect(alert).toMatchObject({ level: 50, provider: 'openai', key_id: provider.keyIds[1] });
    expect(JSON.stringify(c.logs)).not.toContain('sk-openai-2');
    expect((await c.metrics.keyAuthFailures.get()).values[0]?.value).toBe(1);
    expect([provider.runtime.keys.pick(c.clock.now), provider.runtime.keys.pick(c.clock.now)]).toEqual([
      0, 0,
    ]);
    // Shared through the state store: a second runtime syncing from it sees the key out too.
    const disabled = await c.runtime.state.cooldowns('keys-auth', c.clock.now);
    expect([...disabled.keys()]).toEqual([`openai:${provider.keyIds[1]}`]);
  });
});

describe('refused keys (issue 10)', () => {
  // Issue 10: one 401 provoked by one request took the key out of service for everyone for 10 minutes.
  it('counts refusals and takes a key out only at the third within the window, alerting once', async () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a'] } } });
    compiled = c;
    const provider = c.snapshot.providers.get('openai');
    if (provider === undefined) throw new Error('no provider');
    const keys = provider.runtime.keys;
    c.runtime.keyRefused(provider.runtime, 1, c.clock.now);
    c.runtime.keyRefused(provider.runtime, 1, c.clock.now + 1_000);
    expect(keys.status(c.clock.now + 1_000)[1]?.state).toBe('available');
    expect(c.logs.some((l) => l.alert === 'provider_key_rejected')).toBe(false);
    c.runtime.keyRefused(provider.runtime, 1, c.clock.now + 2_000);
    expect(keys.status(c.clock.now + 2_000)[1]).toMatchObject({
      state: 'disabled',
      until: c.clock.now + 602_000,
    });
    expect(c.logs.filter((l) => l.alert === 'provider_key_rejected')).toHaveLength(1);
    expect((await c.metrics.keyAuthFailures.get()).values[0]?.value).toBe(3);
    expect(JSON.stringify(c.logs)).not.toContain('sk-openai-2');
    const disabled = await c.runtime.state.cooldowns('keys-auth', c.clock.now);
    expect([...disabled.keys()]).toEqual([`openai:${provider.keyIds[1]}`]);
  });

  it('forgets refusals spread wider than the window, and counts each key on its own', () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a'] } } });
    compiled = c;
    const provider = c.snapshot.providers.get('openai');
    if (provider === undefined) throw new Error('no provider');
    const at = c.clock.now;
    c.runtime.keyRefused(provider.runtime, 0, at);
    c.runtime.keyRefused(provider.runtime, 1, at);
    c.runtime.keyRefused(provider.runtime, 0, at + 30_000);
    c.runtime.keyRefused(provider.runtime, 0, at + 61_000);
    c.runtime.keyRefused(provider.runtime, 1, at + 61_000);
    expect(provider.runtime.keys.status(at + 61_000).map((k) => k.state)).toEqual(['available', 'available']);
  });
});

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL;
describe('refused keys across instances (Redis)', () => {
  if (redisUrl === undefined) {
    it.skip('needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)', () => {});
    console.log('[refused keys across instances] skipped: SWITCHYARD_TEST_REDIS_URL is not set');
    return;
  }
  const others: Compiled[] = [];
  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
  });

  it('adds up refusals seen by different instances: the third takes the key out for both', async () => {
    const prefix = `sy-test:strikes:${process.pid}:${Date.now()}:`;
    const document = { providers, models: { smart: { targets: ['openai/a'] } } };
    const one = compile(document, new RedisState(redisUrl, { prefix }));
    const two = compile(document, new RedisState(redisUrl, { prefix }));
    compiled = one;
    others.push(two);
    const first = one.snapshot.providers.get('openai')?.runtime;
    const second = two.snapshot.providers.get('openai')?.runtime;
    if (first === undefined || second === undefined) throw new Error('no provider');
    const now = one.clock.now;
    one.runtime.keyRefused(first, 1, now);
    two.runtime.keyRefused(second, 1, now);
    // Both strikes are in Redis before the third: each instance has logged its own.
    await waitFor(() => one.logs.length + two.logs.length >= 2, 5000, 'two strikes');
    expect(second.keys.status(now)[1]?.state).toBe('available');
    two.runtime.keyRefused(second, 1, now);
    await waitFor(() => second.keys.status(now)[1]?.state === 'disabled', 5000, 'the key disabled');
    await one.runtime.syncShared();
    expect(first.keys.status(now)[1]?.state).toBe('disabled');
    expect(first.keys.status(now)[0]?.state).toBe('available');
  });
});

describe('health probes', () => {
  it('records a good probe, a failed one, and takes a refused key out of service', async () => {
    fake = await startFakeOpenAI({ keys: ['sk-good'] });
    const c = compile({
      providers: { p: { type: 'openai', keys: ['sk-good', 'sk-revoked'], base_url: `${fake.url}/v1` } },
      models: { m: { targets: ['p/gpt-4.1'] } },
    });
    compiled = c;
    const provider = c.snapshot.providers.get('p');
    if (provider === undefined) throw new Error('no provider');
    const probe = provider.runtime.probe;

    await probeProvider(provider, c.runtime, 1_000);
    expect(probe).toMatchObject({ lastOk: true, consecutiveFailures: 0 });
    expect(fake.requests.at(-1)?.path).toBe('/v1/models');

    await probeProvider(provider, c.runtime, 1_000);
    expect(provider.runtime.keys.status(c.clock.now)[1]?.state).toBe('disabled');

    await fake.down();
    await probeProvider(provider, c.runtime, 1_000);
    await probeProvider(provider, c.runtime, 1_000);
    expect(probe).toMatchObject({ lastOk: false, consecutiveFailures: 2 });
    expect(c.runtime.score(c.target('p/gpt-4.1').runtime, c.clock.now)).toBe(0.25);
    const outcomes = (await c.metrics.healthProbes.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).toEqual([
      ['ok', 1],
      ['auth', 1],
      ['failed', 2],
    ]);
  });
});
