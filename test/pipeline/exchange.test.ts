import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledTarget } from '../../src/config/compile.ts';
import { classifyHttpFailure, readErrorBody } from '../../src/pipeline/exchange.ts';
import { getAdapter } from '../../src/providers/registry.ts';
import { type UpstreamHead, UpstreamExchange } from '../../src/transport/upstream-exchange.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

const target = { provider: { adapter: getAdapter('openai') } } as unknown as CompiledTarget;
const rateLimited =
  '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}';

function response(status: number, headers: Record<string, string>): UpstreamHead {
  return { statusCode: status, headers };
}

describe('classifyHttpFailure', () => {
  it('measures an HTTP-date retry-after against our clock when the response has no date header', () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const failure = classifyHttpFailure(target, response(429, { 'retry-after': at }), rateLimited);
    expect(failure.errorClass).toBe('rate_limited');
    // toUTCString drops the milliseconds, so the wait is 4–5 s.
    expect(failure.retryAfterMs).toBeGreaterThan(3_900);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(5_000);
  });

  it('keeps the adapter’s reading when the provider said how long, in seconds', () => {
    const failure = classifyHttpFailure(target, response(429, { 'retry-after': '7' }), rateLimited);
    expect(failure.retryAfterMs).toBe(7_000);
  });

  it('falls back to the reset headers for a 429 with no retry-after', () => {
    const failure = classifyHttpFailure(
      target,
      response(429, { 'x-ratelimit-reset-requests': '1.5s', 'x-ratelimit-remaining-requests': '0' }),
      rateLimited,
    );
    expect(failure.retryAfterMs).toBe(1_500);
  });

  it('gives a 500 without retry-after no wait', () => {
    const failure = classifyHttpFailure(target, response(500, {}), '{"error":{"message":"boom"}}');
    expect(failure.errorClass).toBe('server');
    expect(failure.retryAfterMs).toBeUndefined();
  });
});

// Issue 10: what an upstream writes in an error reaches the client and the log only scrubbed and capped.
describe('upstream error bodies through the gateway', () => {
  const KEY = 'sk-live-0123456789abcdef';
  let upstream: Server;
  let upstreamUrl: string;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const model = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string }).model;
        const auth = req.headers.authorization ?? '';
        const echo = `Invalid header Authorization: ${auth} (see https://proxy.example/v1?key=${KEY})`;
        if (model === 'echo-400') {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: echo, type: 'invalid_request_error', code: auth } }));
        } else if (model === 'echo-500') {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: echo, type: 'server_error' } }));
        } else if (model === 'long-400') {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `${'m'.repeat(20_000)} ${auth}` } }));
        } else if (model === 'huge-400') {
          // 5 MB of error body, the reporter's case: only the first 64 KB are read.
          res.writeHead(400, { 'content-type': 'application/json' });
          res.write('{"error":{"message":"');
          const block = 'z'.repeat(64 * 1024);
          let left = 80;
          const more = () => {
            while (left > 0) {
              left--;
              if (!res.write(block)) return void res.once('drain', more);
            }
            res.end('"}}');
          };
          res.on('error', () => {});
          more();
        } else {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '86400' });
          res.end(JSON.stringify({ error: { message: 'daily quota', code: 'rate_limit_exceeded' } }));
        }
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  });

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  async function ask(model: string): Promise<{ status: number; headers: Headers; text: string }> {
    gateway = await startTestGateway({
      providers: { up: { type: 'openai', base_url: upstreamUrl, keys: [KEY] } },
    });
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: `up/${model}`, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  function loggedText(): string {
    return JSON.stringify(gateway?.logs ?? []);
  }

  it('scrubs our key from a passed-through 400, its message and its code, and from the log', async () => {
    const res = await ask('echo-400');
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(KEY);
    const error = (JSON.parse(res.text) as { error: { message: string; code: string } }).error;
    expect(error.message).toBe(
      'Invalid header Authorization: Bearer [redacted] (see https://proxy.example/v1?key=[redacted])',
    );
    expect(error.code).toBe('Bearer [redacted]');
    await waitFor(() => loggedText().includes('echo-400'), 5000, 'the request line');
    expect(loggedText()).not.toContain(KEY);
  });

  it('scrubs our key from the 502 after a server error, and from the log', async () => {
    const res = await ask('echo-500');
    expect(res.status).toBe(502);
    expect(res.text).not.toContain(KEY);
    expect(res.text).toContain('Bearer [redacted]');
    await waitFor(() => loggedText().includes('echo-500'), 5000, 'the request line');
    expect(loggedText()).not.toContain(KEY);
  });

  it('caps a long upstream message at 1,000 characters', async () => {
    const res = await ask('long-400');
    expect(res.status).toBe(400);
    const message = (JSON.parse(res.text) as { error: { message: string } }).error.message;
    expect(message).toHaveLength(1_000);
    expect(message.endsWith('…')).toBe(true);
    expect(res.text).not.toContain(KEY);
  });

  it('reads at most 64 KB of a 5 MB error body and answers with a short message', async () => {
    const res = await ask('huge-400');
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(2_000);
    expect((JSON.parse(res.text) as { error: { message: string } }).error.message).toBe(
      'upstream returned HTTP 400',
    );
  });

  it('relays an upstream retry-after of a day as 60 seconds', async () => {
    const res = await ask('quota-429');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
  });
});

describe('readErrorBody', () => {
  it('stops reading an endless error body at its cap', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(500);
      const timer = setInterval(() => res.write('e'.repeat(16 * 1024)), 1);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const exchange = new UpstreamExchange(
        pool,
        { method: 'GET', path: '/', headers: {}, body: undefined },
        { firstByteTimeoutMs: 10_000, idleTimeoutMs: 10_000, signal: new AbortController().signal },
      );
      expect((await exchange.head).statusCode).toBe(500);
      const text = await readErrorBody(exchange, 100_000);
      expect(text).toBe('e'.repeat(100_000));
    } finally {
      await pool.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
