/**
 * A signed pricing webhook reaches one process, and its signature cannot be used twice: every other
 * instance (or --workers process) on the same store reads the stored prices on its key-refresh interval,
 * so one update bills the same everywhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { signPricingBody } from '../../src/pricing/webhook-signature.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const ADMIN = 'admin-key-pricing-shared-0123456789';
const SECRET = 'pricing-secret-shared-0123456789';

let fake: FakeServer;
let dir: string;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-up'] });
  dir = await mkdtemp(join(tmpdir(), 'switchyard-pricing-shared-'));
  const document = {
    server: { admin_key: ADMIN },
    providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
    pricing: { webhook_secret: SECRET },
    limits: { key_refresh_ms: 100 },
  };
  for (let i = 0; i < 2; i++)
    gateways.push(
      await startTestGateway(document, { store: await openStore(`sqlite:${join(dir, 'store.db')}`) }),
    );
});

afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.stop()));
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function costOf(gw: TestGateway): Promise<number> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  const body = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
  expect(response.status).toBe(200);
  return (
    Number(response.headers.get('x-switchyard-cost-usd')) /
    (body.usage.prompt_tokens + body.usage.completion_tokens)
  );
}

describe('pricing webhook with two instances on one store', () => {
  it('bills the new price on the instance that did not receive it, within the refresh interval', async () => {
    const [first, second] = gateways as [TestGateway, TestGateway];
    const body = JSON.stringify({ models: { 'gpt-4.1': { input: 100, output: 100 } } });
    const signature = signPricingBody(SECRET, Buffer.from(body), Math.floor(Date.now() / 1000));
    const accepted = await fetch(`${first.url}/admin/pricing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-signature': signature },
      body,
    });
    expect(accepted.status).toBe(200);
    // $100 per 1M tokens, input and output alike: the cost per token is 1e-4.
    expect(await costOf(first)).toBeCloseTo(1e-4, 12);
    let seen = 0;
    const probe = async () => {
      seen = await costOf(second);
    };
    await probe();
    for (let tries = 0; tries < 40 && Math.abs(seen - 1e-4) > 1e-12; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await probe();
    }
    expect(seen).toBeCloseTo(1e-4, 12);
  });
});
