/**
 * With `state: memory` a restart reads the period's spend back from the store's ledger, so a budget is
 * not spent twice: for the config's tenants and for those created at runtime (PUT /admin/tenants).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { periodOf } from '../../src/limits/budget-period.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const ADMIN = 'admin-key-budget-restart-0123456789';
const CONFIGURED = 'sk-sy-configured-0123456789';

let fake: FakeServer;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-up'] });
  dir = await mkdtemp(join(tmpdir(), 'switchyard-budget-restart-'));
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function gateway(): Promise<TestGateway> {
  return startTestGateway(
    {
      server: { admin_key: ADMIN },
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      tenants: { configured: { keys: [CONFIGURED], budget: { usd: 10, period: 'day' } } },
    },
    { store: await openStore(`sqlite:${join(dir, 'store.db')}`) },
  );
}

async function chat(gw: TestGateway, key: string): Promise<void> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  expect(response.status).toBe(200);
  await response.text();
}

async function spent(gw: TestGateway, tenant: string): Promise<number> {
  const now = Date.now();
  return (await gw.gateway.controlPlane.state.budgetView(`t:${tenant}`, periodOf('day', now).key, now))
    .spentNanoUsd;
}

describe('a restart on state: memory', () => {
  it("reads back the day's spend of config tenants and of tenants created at runtime", async () => {
    const first = await gateway();
    let before: [number, number];
    try {
      const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
      const put = await fetch(`${first.url}/admin/tenants/runtime-co`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ budget: { usd: 10, period: 'day' } }),
      });
      expect(put.status).toBe(201);
      const created = await fetch(`${first.url}/admin/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ tenant: 'runtime-co' }),
      });
      const runtimeKey = ((await created.json()) as { key: string }).key;
      await chat(first, CONFIGURED);
      await chat(first, runtimeKey);
      before = [await spent(first, 'configured'), await spent(first, 'runtime-co')];
      expect(before[0]).toBeGreaterThan(0);
      expect(before[1]).toBeGreaterThan(0);
      await first.gateway.controlPlane.spend?.flush();
    } finally {
      await first.stop();
    }
    const second = await gateway();
    try {
      expect(await spent(second, 'configured')).toBe(before[0]);
      expect(await spent(second, 'runtime-co')).toBe(before[1]);
    } finally {
      await second.stop();
    }
  });
});
