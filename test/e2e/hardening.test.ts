/**
 * Issue 15 hardening, end to end: no upstream response header reaches the client (cookies, upstream
 * auth, internal headers), on a JSON answer, a stream and an error; the admin API does not exist without
 * an admin key; a request with too many messages is refused before any upstream call.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const HOSTILE_HEADERS = {
  'set-cookie': 'session=upstream-secret; Path=/',
  'www-authenticate': 'Bearer realm="upstream"',
  authorization: 'Bearer upstream-echo',
  'x-internal-node': 'gpu-17.internal',
  'openai-organization': 'org-upstream',
  'x-envoy-upstream-service-time': '12',
  server: 'upstream/1.0',
  via: '1.1 internal-proxy',
};

let upstream: Server;
let calls = 0;
let gw: TestGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    calls++;
    let body = '';
    req.on('data', (piece) => {
      body += piece;
    });
    req.on('end', () => {
      const request = JSON.parse(body) as { stream?: boolean; messages: Array<{ content: string }> };
      if (request.messages[0]?.content === 'fail') {
        res.writeHead(400, { 'content-type': 'application/json', ...HOSTILE_HEADERS });
        res.end(
          JSON.stringify({
            error: { message: 'bad', type: 'invalid_request_error', param: null, code: null },
          }),
        );
        return;
      }
      const base = { id: 'chatcmpl-1', created: 1, model: 'gpt-4.1-2025-04-14' };
      if (request.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream', ...HOSTILE_HEADERS });
        const chunk = (delta: object, finish: string | null) =>
          `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
        res.end(
          `${chunk({ role: 'assistant', content: '' }, null)}${chunk({ content: 'Hi.' }, null)}${chunk({}, 'stop')}data: [DONE]\n\n`,
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...HOSTILE_HEADERS });
      res.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'Hi.' },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startTestGateway({
    providers: { up: { type: 'openai', keys: ['sk-up'], base_url: `http://127.0.0.1:${port}/v1` } },
    guardrails: { max_messages: 3 },
    // A pricing webhook secret without an admin key: the signed webhook is part of the admin API, off too.
    pricing: { webhook_secret: 'a-secret-of-sixteen-chars' },
  });
});

afterAll(async () => {
  await gw?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

function chat(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'up/gpt-4.1', messages: [{ role: 'user', content: 'Hello' }], ...body }),
  });
}

function expectNoUpstreamHeaders(response: Response): void {
  for (const name of Object.keys(HOSTILE_HEADERS)) expect(response.headers.get(name), name).toBeNull();
  expect(JSON.stringify([...response.headers.entries()])).not.toMatch(/upstream|internal/);
}

describe('hardening', () => {
  it('never passes upstream response headers through: JSON, stream, error', async () => {
    const json = await chat({});
    expect(json.status).toBe(200);
    expectNoUpstreamHeaders(json);
    const stream = await chat({ stream: true });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('Hi.');
    expectNoUpstreamHeaders(stream);
    const failed = await chat({ messages: [{ role: 'user', content: 'fail' }] });
    expect(failed.status).toBe(400);
    expectNoUpstreamHeaders(failed);
  });

  it('has no admin API without an admin key', async () => {
    for (const path of ['/admin/keys', '/admin/routing', '/admin/pricing']) {
      const response = await fetch(`${gw.url}${path}`, { headers: { authorization: 'Bearer anything' } });
      expect(response.status, path).toBe(404);
    }
    const webhook = await fetch(`${gw.url}/admin/pricing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-signature': 't=1,v1=00' },
      body: '{"models":{}}',
    });
    expect(webhook.status).toBe(404);
  });

  it('refuses more messages than guardrails.max_messages before any upstream call', async () => {
    const before = calls;
    const response = await chat({
      messages: Array.from({ length: 4 }, () => ({ role: 'user', content: 'x' })),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; param: string } };
    expect(body.error).toMatchObject({ code: 'too_many_messages', param: 'messages' });
    expect(calls).toBe(before);
  });
});
