/**
 * Adaptive concurrency (issue 13, opt-in): a burst against a provider that throttles past four requests in
 * flight. With `adaptive_concurrency` the gateway learns the limit and queues the rest briefly, so the
 * provider sees far fewer 429s and every request succeeds; without it, the burst hammers the provider.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, drive, startGateway } from './resilience-harness.ts';

const CAPACITY = 4;
let server: Server;
let url: string;
let inFlight = 0;
let throttled = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (inFlight >= CAPACITY) {
        throttled++;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '20' });
        res.end(
          JSON.stringify({
            error: {
              message: 'Too many requests in flight',
              type: 'rate_limit_error',
              param: null,
              code: null,
            },
          }),
        );
        return;
      }
      inFlight++;
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1,
            model: 'gpt-4.1',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: 'ok' },
                finish_reason: 'stop',
                logprobs: null,
              },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      }, 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function burst(adaptive: boolean): Promise<{ ok: number; throttled: number }> {
  throttled = 0;
  const g = await startGateway({
    providers: {
      up: {
        type: 'openai',
        keys: ['sk-up'],
        base_url: url,
        ...(adaptive ? { adaptive_concurrency: { initial: 8, max_queue_ms: 5_000 } } : {}),
      },
    },
    models: { solo: { targets: ['up/gpt-4.1'] } },
  });
  try {
    const outcomes = await drive(60, 30, () => ask(g.client, 'solo'));
    return { ok: outcomes.filter((o) => o.ok).length, throttled };
  } finally {
    await g.stop();
  }
}

describe('adaptive concurrency', () => {
  it('queues a burst against a throttling provider instead of hammering it', async () => {
    const without = await burst(false);
    const adaptive = await burst(true);
    console.log(
      `[adaptive concurrency] 60 requests, 30 at once, provider capacity ${CAPACITY}: without: ${without.ok} ok, ${without.throttled} upstream 429s; with: ${adaptive.ok} ok, ${adaptive.throttled} upstream 429s`,
    );
    expect(adaptive.ok).toBe(60);
    // The limit is learned from a few throttles (the first wave above the initial 8, then the odd probe
    // above the capacity as it grows back), not paid for by every request of the burst.
    expect(adaptive.throttled).toBeLessThan(without.throttled);
    expect(adaptive.throttled).toBeLessThanOrEqual(3 * CAPACITY);
  }, 60_000);
});
