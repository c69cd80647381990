/**
 * Routing strategies, conditional rules, health probes and the admin API through the real gateway
 * (issue 5). The strategies' statistics are tested directly in test/routing/strategies.test.ts; here
 * a smaller run shows the same through HTTP, with the arm taken in the log.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { seeded } from '../routing/fixtures.ts';
import { testConfig, waitFor } from '../helpers/gateway.ts';
import {
  ask,
  drive,
  type ResilienceGateway,
  requestLines,
  startGateway,
  UNLIMITED,
} from './resilience-harness.ts';

let primary: FakeServer;
let backup: FakeServer;
let gw: ResilienceGateway | undefined;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-primary'], rateLimits: UNLIMITED });
  backup = await startFakeOpenAI({ keys: ['sk-backup'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
});
beforeEach(async () => {
  primary.control.clear();
  backup.control.clear();
  await primary.up();
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const ADMIN_KEY = 'admin-key-for-tests-0123456789';

function document(models: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    server: { admin_key: ADMIN_KEY },
    providers: {
      primary: { type: 'openai', keys: ['sk-primary'], base_url: `${primary.url}/v1` },
      backup: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
    },
    models,
    health: { probe_interval_ms: 0 },
    ...extra,
  };
}

describe('strategies end to end', () => {
  it('splits a 70/30 weighted model over 2,000 requests and logs the arm each request took', async () => {
    gw = await startGateway(
      document({
        sampled: {
          strategy: 'weighted',
          targets: [
            { target: 'primary/gpt-4.1', weight: 70 },
            { target: 'backup/gpt-4.1-mini', weight: 30 },
          ],
        },
      }),
      { random: seeded(70) },
    );
    const client = gw.client;
    const outcomes = await drive(2_000, 20, () => ask(client, 'sampled'));
    const share = outcomes.filter((o) => o.provider === 'primary').length / outcomes.length;
    console.log(`[weighted 70/30 end to end, 2,000 requests] primary ${(share * 100).toFixed(2)} %`);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(Math.abs(share - 0.7)).toBeLessThanOrEqual(0.03);
    await waitFor(() => requestLines(gw?.logs ?? []).length === 2_000);
    const arms = requestLines(gw.logs).map((line) => line.attempts[0]?.target);
    expect(arms.filter((arm) => arm === 'primary/gpt-4.1').length).toBe(Math.round(share * 2_000));
  });

  it('sends a cost-routed model to the cheapest target', async () => {
    gw = await startGateway(
      document({ cheap: { strategy: 'cost', targets: ['primary/gpt-4.1', 'backup/gpt-4o-mini'] } }),
    );
    const outcomes = [await ask(gw.client, 'cheap'), await ask(gw.client, 'cheap')];
    expect(outcomes.map((o) => o.provider)).toEqual(['backup', 'backup']);
  });

  it('sends a latency-routed model to the faster target once both are measured', async () => {
    gw = await startGateway(
      document({ fast: { strategy: 'latency', targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } }),
    );
    primary.control.setModelScript('gpt-4.1', { firstByteMs: 150 });
    const outcomes = [];
    for (let i = 0; i < 12; i++) outcomes.push(await ask(gw.client, 'fast'));
    const providers = outcomes.map((o) => o.provider);
    console.log(`[latency] providers in order: ${providers.join(' ')}`);
    expect(providers.slice(0, 2).sort()).toEqual(['backup', 'primary']);
    expect(providers.slice(2)).toEqual(Array(10).fill('backup'));
  });

  it('picks a rule’s targets from a request header', async () => {
    gw = await startGateway(
      document({
        smart: {
          targets: ['primary/gpt-4.1'],
          rules: [{ name: 'canary', when: { headers: { 'x-lane': 'canary' } }, targets: ['backup/gpt-4.1'] }],
        },
      }),
    );
    const plain = await gw.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const canary = await gw.client.chat.completions
      .create(
        { model: 'smart', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-lane': 'canary' } },
      )
      .withResponse();
    expect(plain.response.headers.get('x-switchyard-provider')).toBe('primary');
    expect(canary.response.headers.get('x-switchyard-provider')).toBe('backup');
  });
});

describe('admin API', () => {
  const admin = (path: string, init: RequestInit = {}, key: string | null = ADMIN_KEY) =>
    fetch(`${gw?.url}${path}`, {
      ...init,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        'content-type': 'application/json',
      },
    });

  it('shows breakers and health, and forces a breaker open and closed', async () => {
    gw = await startGateway(document({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } }));
    expect((await admin('/admin/routing', {}, null)).status).toBe(401);
    expect((await admin('/admin/routing', {}, 'wrong-key-wrong-key-wrong')).status).toBe(401);

    const report = (await (await admin('/admin/routing')).json()) as {
      targets: Array<{ target: string; breaker: { state: string }; health: { score: number } }>;
      providers: Array<{ name: string; keys: Array<{ id: string; state: string }> }>;
    };
    expect(report.targets.map((t) => [t.target, t.breaker.state, t.health.score])).toEqual([
      ['primary/gpt-4.1', 'closed', 1],
      ['backup/gpt-4.1', 'closed', 1],
    ]);
    expect(report.providers[0]?.keys[0]).toMatchObject({ state: 'available' });
    expect(JSON.stringify(report)).not.toContain('sk-primary');

    const opened = await admin('/admin/breakers/open', {
      method: 'POST',
      body: JSON.stringify({ target: 'primary/gpt-4.1' }),
    });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ target: 'primary/gpt-4.1', breaker: { state: 'isolated' } });
    // Breaker state is in /metrics too (0 closed, 1 half-open, 2 open, 3 isolated).
    const scrape = async () => (await fetch(`${gw?.url}/metrics`)).text();
    const isolatedMetrics = await scrape();
    expect(isolatedMetrics).toContain('switchyard_breaker_state{provider="primary",model="gpt-4.1"} 3');
    expect(isolatedMetrics).toContain(
      'switchyard_breaker_transitions_total{provider="primary",model="gpt-4.1",state="isolated"} 1',
    );
    const before = primary.requests.length;
    const isolated = await drive(20, 5, () => ask(gw?.client as never, 'smart'));
    expect(isolated.every((o) => o.ok && o.provider === 'backup' && o.attempts === 1)).toBe(true);
    expect(primary.requests.length).toBe(before);

    const closed = await admin('/admin/breakers/close', {
      method: 'POST',
      body: JSON.stringify({ target: 'primary/gpt-4.1' }),
    });
    expect(await closed.json()).toMatchObject({ breaker: { state: 'closed' } });
    expect(await scrape()).toContain('switchyard_breaker_state{provider="primary",model="gpt-4.1"} 0');
    expect((await ask(gw.client, 'smart')).provider).toBe('primary');

    const unknown = await admin('/admin/breakers/open', { method: 'POST', body: '{"target":"nope/x"}' });
    expect(unknown.status).toBe(400);
  });

  it('keeps breaker state across a config reload', async () => {
    const config = document({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    gw = await startGateway(config);
    await admin('/admin/breakers/open', {
      method: 'POST',
      body: JSON.stringify({ target: 'primary/gpt-4.1' }),
    });
    gw.gateway.reload(
      testConfig({ ...config, models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1-mini'] } } }),
    );
    expect(gw.gateway.snapshot.version).toBe(2);
    const outcome = await ask(gw.client, 'smart');
    expect(outcome).toMatchObject({ ok: true, provider: 'backup', attempts: 1 });
  });

  it('does not exist without server.admin_key', async () => {
    const { server: _server, ...rest } = document({ smart: { targets: ['primary/gpt-4.1'] } });
    gw = await startGateway(rest);
    expect((await admin('/admin/routing')).status).toBe(404);
  });
});

describe('active health checks', () => {
  it('probes providers on an interval and lowers the health score of one whose probes fail', async () => {
    gw = await startGateway(
      document(
        { split: { strategy: 'weighted', targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
        { health: { probe_interval_ms: 100, probe_jitter: 0, probe_timeout_ms: 500 } },
      ),
      { random: seeded(3) },
    );
    const routing = gw.gateway.routing;
    const probe = routing.providers.get('primary')?.probe;
    await waitFor(() => (probe?.lastProbeAt ?? 0) > 0, 5_000, 'a first probe');
    expect(probe?.lastOk).toBe(true);
    expect(primary.requests.some((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);

    // The primary stops answering: its probes fail. (That a lower score means a smaller share of
    // traffic is test/routing/strategies.test.ts's business.)
    await primary.down();
    await waitFor(() => (probe?.consecutiveFailures ?? 0) >= 2, 5_000, 'two failed probes');
    await primary.up();
    const score = routing.score(routing.targets.get('primary/gpt-4.1') as never, routing.now());
    const metrics = await gw.metrics.registry.metrics();
    console.log(
      `[health probes] primary failed ${probe?.consecutiveFailures} probes in a row; health score ${score}`,
    );
    expect(score).toBeLessThanOrEqual(0.25);
    expect(metrics).toMatch(/switchyard_target_health_score\{provider="primary",model="gpt-4.1"\} 0\.\d+/);
    expect(metrics).toMatch(/switchyard_health_probes_total\{provider="primary",outcome="failed"\} \d+/);
  });
});
