/**
 * Anthropic prompt-cache writes are priced at their own rate end to end: the fake Anthropic upstream
 * reports `cache_creation_input_tokens` for a request with `cache_control`, and `x-switchyard-cost-usd`
 * bills those tokens at the built-in 1.25× input (claude-sonnet-4-5: $3.75 per 1M), then at the rate
 * the signed pricing webhook sets. Before the fix they were billed as plain input ($3).
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { signPricingBody } from '../../src/pricing/webhook-signature.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const ADMIN = 'admin-key-anthropic-cache-cost-0123';
const SECRET = 'pricing-secret-anthropic-cache-0123';
const KEY = 'sk-sy-config-key-for-cache-cost';
// claude-sonnet-4-5, built-in (docs/providers.md §9): USD per 1M tokens.
const INPUT = 3;
const CACHE_READ = 0.3;
const CACHE_WRITE = 3.75;
const CACHE_WRITE_1H = 6;
const OUTPUT = 15;

// biome-ignore lint/suspicious/noExplicitAny: the tests read answers of loose JSON shapes
type Json = any;

let claude: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  claude = await startAnthropicFake({ keys: ['ak-claude'] });
  gw = await startTestGateway(
    {
      server: { admin_key: ADMIN },
      providers: { claude: { type: 'anthropic', keys: ['ak-claude'], base_url: claude.url } },
      models: { sonnet: { targets: ['claude/claude-sonnet-4-5'] } },
      tenants: { acme: { keys: [KEY] } },
      pricing: { webhook_secret: SECRET },
    },
    { store: await openStore('sqlite::memory:') },
  );
});

afterAll(async () => {
  await gw?.stop();
  await claude?.stop();
});

/** A system prompt long enough to cache (over the model's 1,024-token minimum), marked as a breakpoint. */
async function cachedChat(system: string, ttl?: '1h'): Promise<{ cost: number; usage: Json }> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'sonnet',
      max_tokens: 20,
      messages: [
        {
          role: 'system',
          content: [
            {
              type: 'text',
              text: system.repeat(300),
              cache_control: ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl },
            },
          ],
        },
        { role: 'user', content: 'Hello there' },
      ],
    }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as Json;
  return { cost: Number(response.headers.get('x-switchyard-cost-usd')), usage: body.usage };
}

function costAt(usage: Json, writeRate: number): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  return (
    ((usage.prompt_tokens - cached - written) * INPUT +
      cached * CACHE_READ +
      written * writeRate +
      usage.completion_tokens * OUTPUT) /
    1e6
  );
}

describe('Anthropic cache writes', () => {
  it('are billed at 1.25× input by the built-in price, and reads of them at 0.1×', async () => {
    const first = await cachedChat('You are a meticulous assistant. ');
    const written = first.usage.prompt_tokens_details?.cache_write_tokens;
    expect(written).toBeGreaterThan(2000);
    expect(first.cost).toBeCloseTo(costAt(first.usage, CACHE_WRITE), 12);
    // Billed as plain input, the written tokens would cost (3.75 − 3) per 1M less.
    expect(first.cost - costAt(first.usage, INPUT)).toBeCloseTo((written * (CACHE_WRITE - INPUT)) / 1e6, 12);

    const second = await cachedChat('You are a meticulous assistant. ');
    expect(second.usage.prompt_tokens_details?.cached_tokens).toBe(written);
    expect(second.usage.prompt_tokens_details?.cache_write_tokens ?? 0).toBe(0);
    expect(second.cost).toBeCloseTo(costAt(second.usage, CACHE_WRITE), 12);
  });

  it('are billed at 2× input when written with the 1-hour TTL', async () => {
    const answer = await cachedChat('You write with a one-hour breakpoint. ', '1h');
    const written = answer.usage.prompt_tokens_details?.cache_write_tokens;
    expect(written).toBeGreaterThan(2000);
    expect(answer.usage.prompt_tokens_details?.cache_write_1h_tokens).toBe(written);
    expect(answer.cost).toBeCloseTo(costAt(answer.usage, CACHE_WRITE_1H), 12);
    // At the 5-minute rate they would cost (6 − 3.75) per 1M less: the under-billing this fixes.
    expect(answer.cost - costAt(answer.usage, CACHE_WRITE)).toBeCloseTo(
      (written * (CACHE_WRITE_1H - CACHE_WRITE)) / 1e6,
      12,
    );
  });

  it('reach an Anthropic client of /v1/messages as Anthropic counts them, split by TTL', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: KEY, maxRetries: 0 });
    const ask = (ttl: '5m' | '1h') =>
      client.messages.create({
        model: 'sonnet',
        max_tokens: 20,
        system: [
          {
            type: 'text',
            text: `A system prompt cached for ${ttl}. `.repeat(300),
            cache_control: { type: 'ephemeral', ttl },
          },
        ],
        messages: [{ role: 'user', content: 'Hello there' }],
      });
    for (const ttl of ['5m', '1h'] as const) {
      const { usage } = await ask(ttl);
      expect(usage.cache_creation_input_tokens, ttl).toBeGreaterThan(1500);
      expect(usage.input_tokens, ttl).toBeLessThan(100);
      expect(usage.cache_creation, ttl).toEqual({
        ephemeral_5m_input_tokens: ttl === '5m' ? usage.cache_creation_input_tokens : 0,
        ephemeral_1h_input_tokens: ttl === '1h' ? usage.cache_creation_input_tokens : 0,
      });
      const streamed = await client.messages
        .stream({
          model: 'sonnet',
          max_tokens: 20,
          system: [
            {
              type: 'text',
              text: `Streamed, cached for ${ttl}. `.repeat(300),
              cache_control: { type: 'ephemeral', ttl },
            },
          ],
          messages: [{ role: 'user', content: 'Hello there' }],
        })
        .finalMessage();
      expect(streamed.usage.cache_creation_input_tokens, ttl).toBeGreaterThan(1500);
      expect(streamed.usage.input_tokens, ttl).toBeLessThan(100);
    }
  });

  it('shows the write rate in GET /admin/pricing and takes the pricing webhook’s', async () => {
    const before = await fetch(`${gw.url}/admin/pricing`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const builtIn = ((await before.json()) as Json).data.find(
      (row: Json) => row.model === 'anthropic:claude-sonnet-4-5',
    );
    expect(builtIn).toMatchObject({
      source: 'built-in',
      cached_input: CACHE_READ,
      cache_write_input: CACHE_WRITE,
    });

    // The 1-hour TTL rate (2× input), as an operator who only uses 1-hour breakpoints would set it.
    const body = JSON.stringify({
      models: {
        'claude/claude-sonnet-4-5': {
          input: INPUT,
          output: OUTPUT,
          cached_input: CACHE_READ,
          cache_write_input: 6,
        },
      },
    });
    const signature = signPricingBody(SECRET, Buffer.from(body), Math.floor(Date.now() / 1000));
    const accepted = await fetch(`${gw.url}/admin/pricing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-signature': signature },
      body,
    });
    expect(accepted.status).toBe(200);

    const answer = await cachedChat('You are a careful and thorough assistant. ');
    expect(answer.usage.prompt_tokens_details?.cache_write_tokens).toBeGreaterThan(2000);
    expect(answer.cost).toBeCloseTo(costAt(answer.usage, 6), 12);
    const after = await fetch(`${gw.url}/admin/pricing`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const override = ((await after.json()) as Json).data.find(
      (row: Json) => row.model === 'claude/claude-sonnet-4-5',
    );
    expect(override).toMatchObject({ source: 'webhook', cache_write_input: 6 });
    expect(await gw.gateway.controlPlane.store?.listPrices()).toEqual([
      expect.objectContaining({ name: 'claude/claude-sonnet-4-5', cacheWriteInput: 6 }),
    ]);
  });
});
