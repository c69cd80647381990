/**
 * The listener's own duties (docs/design.md §1 HTTP, §2 "server: parse, size limits, request id"): an
 * `x-request-id` on every response, probes and metrics included; a stalled upload cannot hold a
 * socket for ever; draining refuses new work in the envelope while /healthz stays up.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
let fake: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startFakeOpenAI({});
  gw = await startTestGateway({
    server: { request_timeout_ms: 1500, admin_key: ADMIN_KEY },
    providers: { fake: { type: 'openai', keys: ['k'], base_url: `${fake.url}/v1`, models: ['gpt-4.1'] } },
    models: { smart: { targets: ['fake/gpt-4.1'] } },
  });
});

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

describe('x-request-id', () => {
  const requests: Array<[string, RequestInit?]> = [
    ['/healthz'],
    ['/readyz'],
    ['/metrics'],
    ['/v1/models'],
    ['/v1/nothing'],
    ['/admin/routing', { headers: { authorization: `Bearer ${ADMIN_KEY}` } }],
    ['/admin/routing'],
    ['/v1/chat/completions'],
    [
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
      },
    ],
  ];

  for (const [path, init] of requests) {
    const admin = path.startsWith('/admin')
      ? init === undefined
        ? ' without a key'
        : ' with the admin key'
      : '';
    it(`is on the answer to ${init?.method ?? 'GET'} ${path}${admin}`, async () => {
      const response = await fetch(`${gw.url}${path}`, init);
      await response.arrayBuffer();
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    });
  }

  it("keeps a caller's own id, and replaces one that is not safe to echo", async () => {
    const kept = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'trace-42.a:b_c' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a:b_c');
    const odd = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    const long = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'x'.repeat(200) } });
    expect(long.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

describe('a stalled upload', () => {
  it('is answered 408 and closed once the request deadline passes, and the server stays up', async () => {
    const before = gw.gateway.inFlight;
    const outcome = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const req = request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode });
      });
      req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
      // A tenth of the declared body, then silence.
      req.write('{"model":"smart","messages":[{"role":"user","content":"');
    });
    // The 408 comes when the socket can still take it; a socket destroyed mid-write is a reset. Either
    // way the client is not left waiting, which is what this pins down.
    if (outcome.status !== undefined) expect(outcome.status).toBe(408);
    else expect(outcome.error).toMatch(/ECONNRESET|socket hang up/);
    await waitFor(() => gw.gateway.inFlight === before, 2000, 'the stalled request to be let go');
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  }, 10_000);
});

/** Sends raw bytes on a fresh connection and returns everything the server wrote before it closed. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function envelopeOf(answer: string): { status: number; error: Record<string, unknown> } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const status = Number(head.split(' ')[1]);
  expect(head.toLowerCase()).toContain('content-type: application/json');
  return { status, error: (JSON.parse(body) as { error: Record<string, unknown> }).error };
}

describe('requests Node refuses before any handler', () => {
  it('answers a stalled upload with 408 in the OpenAI envelope', async () => {
    const answer = await rawExchange(
      gw.url,
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n' +
        'x-request-id: stalled-upload\r\n\r\n{"model":',
    );
    const { status, error } = envelopeOf(answer);
    expect(status).toBe(408);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'request_timeout', param: null });
    expect(String(error.message)).toContain('1500 ms');
    // Issue 10: the handler still reading that body logs what the client got, not an unexpected error.
    await waitFor(
      () => gw.logs.some((line) => line.request_id === 'stalled-upload'),
      5000,
      'its request line',
    );
    expect(gw.logs.find((line) => line.request_id === 'stalled-upload')).toMatchObject({
      level: 30,
      status: 408,
      client_aborted: false,
      error: { code: 'request_timeout' },
    });
    expect(gw.logs.filter((line) => (line.level as number) >= 50)).toEqual([]);
  }, 10_000);

  it('answers broken chunked framing mid-body with 400 in the envelope, and logs that 400', async () => {
    const answer = await rawExchange(
      gw.url,
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
        'transfer-encoding: chunked\r\nx-request-id: broken-chunk\r\n\r\n5\r\n{"mod\r\nZZ\r\n',
    );
    const { status, error } = envelopeOf(answer);
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'malformed_request' });
    await waitFor(() => gw.logs.some((line) => line.request_id === 'broken-chunk'), 5000, 'its request line');
    expect(gw.logs.find((line) => line.request_id === 'broken-chunk')).toMatchObject({
      level: 30,
      status: 400,
      client_aborted: false,
    });
  });

  it('answers bytes that are not HTTP with 400 in the envelope', async () => {
    const { status, error } = envelopeOf(await rawExchange(gw.url, 'HELLO WORLD\r\n\r\n'));
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'malformed_request', type: 'invalid_request_error' });
  });

  it('answers oversized headers with 431 in the envelope, and the server stays up', async () => {
    const huge = `x-filler: ${'a'.repeat(20_000)}\r\n`;
    const answer = await rawExchange(gw.url, `GET /healthz HTTP/1.1\r\nhost: x\r\n${huge}\r\n`);
    const { status, error } = envelopeOf(answer);
    expect(status).toBe(431);
    expect(error).toMatchObject({ code: 'headers_too_large' });
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
