/**
 * /v1/messages to an Anthropic target is a passthrough (docs/design.md §1): the recorded Anthropic
 * answers (test/fixtures/anthropic) reach the client byte for byte, JSON and SSE, and the client's
 * body reaches the upstream with only `model` rewritten. Usage is still read for the log.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, waitFor } from '../../helpers/gateway.ts';

const fixtures = new URL('../../fixtures/anthropic/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, fixtures));

let upstream: Server;
let gw: TestGateway;
let next: { type: string; body: Buffer } = { type: 'application/json', body: Buffer.alloc(0) };
const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const pieces: Buffer[] = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(pieces).toString('utf8') });
      res.writeHead(200, { 'content-type': next.type, 'request-id': 'req_upstream' });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startTestGateway({
    providers: {
      claude: { type: 'anthropic', keys: ['sk-ant-upstream'], base_url: `http://127.0.0.1:${port}` },
    },
    models: { sonnet: { targets: ['claude/claude-sonnet-4-5-20250929'] } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

const request = {
  model: 'sonnet',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  thinking: { type: 'enabled', budget_tokens: 2048 },
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Use the tool.', signature: 'EqQBsig' },
        { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '18°C' }] },
    {
      role: 'assistant',
      content: [
        { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'Paris' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
        { type: 'text', text: 'Sunny.' },
      ],
    },
    { role: 'user', content: 'Thanks' },
  ],
  // A server tool and its blocks: Claude's own, with no normalized form, passed through untouched.
  tools: [
    { name: 'get_weather', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
  ],
  future_field: { kept: true },
};

describe('JSON fixtures', () => {
  for (const name of [
    'text-message.json',
    'thinking-tool.json',
    'tool-message.json',
    'max-tokens.json',
    'parallel-tools.json',
  ]) {
    it(`${name} reaches the client unchanged`, async () => {
      next = { type: 'application/json', body: fixture(name) };
      const { response, bytes } = await post(request, {
        'anthropic-beta': 'interleaved-thinking-2025-05-14',
      });
      expect(response.status).toBe(200);
      expect(bytes.equals(fixture(name))).toBe(true);
      expect(response.headers.get('request-id')).toBe('req_upstream');
      expect(response.headers.get('x-request-id')).toMatch(/^req_/);
      const sent = received.at(-1);
      expect(JSON.parse(sent?.body ?? '{}')).toEqual({ ...request, model: 'claude-sonnet-4-5-20250929' });
      expect(sent?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
      expect(sent?.headers['x-api-key']).toBe('sk-ant-upstream');
    });
  }
});

describe('SSE fixtures', () => {
  for (const name of [
    'text.sse',
    'thinking-tool.sse',
    'tool.sse',
    'prompt-cache.sse',
    'refusal.sse',
    'max-tokens.sse',
  ]) {
    it(`${name} reaches the client unchanged`, async () => {
      next = { type: 'text/event-stream', body: fixture(name) };
      const { response, bytes } = await post({ ...request, stream: true });
      expect(response.status).toBe(200);
      expect(bytes.toString('utf8')).toBe(fixture(name).toString('utf8'));
      expect(response.headers.get('request-id')).toBe('req_upstream');
      expect(JSON.parse(received.at(-1)?.body ?? '{}').stream).toBe(true);
    });
  }
});

it('reads the usage of a passed-through stream for the log', async () => {
  next = { type: 'text/event-stream', body: fixture('thinking-tool.sse') };
  const { response } = await post({ ...request, stream: true });
  const id = response.headers.get('x-request-id');
  await waitFor(() => gw.logs.some((line) => line.request_id === id && line.msg !== undefined));
  const line = gw.logs.find((entry) => entry.request_id === id) as Record<string, unknown>;
  // thinking-tool.sse: 412 uncached + 2048 read from the cache; 61 out.
  expect(line.usage).toMatchObject({ prompt: 2460, completion: 61, cached: 2048 });
  expect(line.finish_reason).toBe('tool_calls');
  expect(line.cost_usd).toBeGreaterThan(0);
});
