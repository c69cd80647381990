/**
 * Limits and budgets exact across instances (issue 11, "Done when"): two `switchyard start` processes
 * on one Redis and one store admit exactly a 100 RPM tenant's 100 requests out of 200 sent at once;
 * 50 concurrent requests against a hard budget overspend by at most what was in flight. Needs
 * SWITCHYARD_TEST_REDIS_URL; the budget case also runs on the memory state in one process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { type GatewayProcess, startProcess, stopProcess } from '../helpers/gateway-process.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL;
const ADMIN = 'admin-key-shared-limits-0123456789';
const KEY = `sk-sy-shared-${randomBytes(8).toString('hex')}`;
// gpt-4.1 at $2 / $8 per 1M tokens: each request reserves its prompt plus max_tokens 40 of output.
const BUDGET_USD = 0.004;

let fake: FakeServer;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-up'] });
  dir = await mkdtemp(join(tmpdir(), 'switchyard-shared-'));
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

function body(): string {
  return JSON.stringify({
    model: 'openai/gpt-4.1',
    max_tokens: 40,
    messages: [{ role: 'user', content: 'Hi' }],
  });
}

async function fire(urls: readonly string[], count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      fetch(`${urls[i % urls.length]}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: body(),
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      }),
    ),
  );
}

function count(statuses: readonly number[], status: number): number {
  return statuses.filter((value) => value === status).length;
}

async function spend(url: string, tenant: string): Promise<{ spent_usd: number; reserved_usd: number }> {
  const response = await fetch(`${url}/admin/spend?tenant=${tenant}&period=day`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return (await response.json()) as { spent_usd: number; reserved_usd: number };
}

/** The most a hard budget may be overspent: the reservations admitted while it still had room. */
function overspendBound(): number {
  // A request's estimate is its prompt (a few tokens, times 1 for OpenAI) plus 40 output tokens.
  return 50 * ((20 * 2 + 40 * 8) / 1e6);
}

describe('a hard budget under 50 concurrent requests (memory state)', () => {
  it('overspends by at most what was in flight', async () => {
    const tenant = `budget-${randomBytes(4).toString('hex')}`;
    const gw = await startTestGateway({
      server: { admin_key: ADMIN },
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      tenants: { [tenant]: { keys: [KEY], budget: { usd: BUDGET_USD, period: 'day' } } },
    });
    try {
      let statuses: number[] = [];
      for (let round = 0; round < 10 && !statuses.includes(429); round++) statuses = await fire([gw.url], 50);
      const figure = await spend(gw.url, tenant);
      const over = Math.max(0, figure.spent_usd - BUDGET_USD);
      console.log(
        `[budget, memory] budget $${BUDGET_USD}: spent $${figure.spent_usd.toFixed(6)}, overspend $${over.toFixed(6)} (bound $${overspendBound().toFixed(6)}), last round ${count(statuses, 200)} admitted / ${count(statuses, 429)} refused`,
      );
      expect(count(statuses, 429)).toBeGreaterThan(0);
      expect(over).toBeLessThanOrEqual(overspendBound());
      expect(figure.reserved_usd).toBe(0);
    } finally {
      await gw.stop();
    }
  });
});

if (redisUrl === undefined) {
  console.log('[control plane, two processes] skipped: SWITCHYARD_TEST_REDIS_URL is not set');
  describe('limits shared by two gateway processes (Redis)', () => {
    it.skip('needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)', () => {});
  });
} else {
  describe('limits shared by two gateway processes (Redis)', () => {
    let gateways: GatewayProcess[] = [];

    async function startPair(tenant: string, settings: Record<string, unknown>): Promise<string[]> {
      const configPath = join(dir, `${tenant}.json`);
      await writeFile(
        configPath,
        JSON.stringify({
          server: { admin_key: ADMIN },
          providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
          tenants: { [tenant]: { keys: [KEY], ...settings } },
          state: redisUrl,
          store: `sqlite:${join(dir, `${tenant}.db`)}`,
        }),
      );
      gateways = await Promise.all([startProcess(configPath), startProcess(configPath)]);
      return gateways.map((gateway) => gateway.url);
    }

    afterAll(async () => {
      await Promise.all(gateways.map(stopProcess));
    });

    it('admits exactly 100 of 200 concurrent requests against a 100 RPM tenant', async () => {
      const tenant = `rpm-${randomBytes(4).toString('hex')}`;
      const urls = await startPair(tenant, { rate_limit: { rpm: 100 } });
      const statuses = await fire(urls, 200);
      console.log(
        `[rpm, two processes on Redis] 200 sent: ${count(statuses, 200)} admitted, ${count(statuses, 429)} refused`,
      );
      expect(count(statuses, 200)).toBe(100);
      expect(count(statuses, 429)).toBe(100);
      await Promise.all(gateways.map(stopProcess));
    });

    it('keeps a hard budget across both, overspending by at most what was in flight', async () => {
      const tenant = `budget-${randomBytes(4).toString('hex')}`;
      const urls = await startPair(tenant, { budget: { usd: BUDGET_USD, period: 'day' } });
      let statuses: number[] = [];
      for (let round = 0; round < 10 && !statuses.includes(429); round++) statuses = await fire(urls, 50);
      // Settlements run after each response has ended: wait until none is left in flight.
      const deadline = Date.now() + 5000;
      while ((await spend(urls[0] as string, tenant)).reserved_usd > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const [first, second] = await Promise.all(urls.map((url) => spend(url, tenant)));
      const over = Math.max(0, (first?.spent_usd ?? 0) - BUDGET_USD);
      console.log(
        `[budget, two processes on Redis] budget $${BUDGET_USD}: spent $${first?.spent_usd.toFixed(6)}, overspend $${over.toFixed(6)} (bound $${overspendBound().toFixed(6)})`,
      );
      expect(first?.spent_usd).toBeCloseTo(second?.spent_usd ?? -1, 9);
      expect(count(statuses, 429)).toBeGreaterThan(0);
      expect(over).toBeLessThanOrEqual(overspendBound());
    });
  });
}
