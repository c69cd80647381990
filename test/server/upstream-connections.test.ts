/**
 * Issue 3, transport: one pool per upstream origin, keep-alive, connections opened at start. Counted
 * at the TCP level by a pass-through proxy in front of the fake, since that is what the upstream (and
 * its TLS handshake bill) sees: a gateway that reconnected per request, or did not warm up, would show
 * more connections, or a first one opened only by the first request.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Serving, serve } from '../../src/cli/serve.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { testConfig, waitFor } from '../helpers/gateway.ts';

let fake: FakeServer;
let proxy: Server;
let proxyUrl: string;
let connections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-a', 'sk-b'] });
  proxy = createServer((client) => {
    connections++;
    const upstream = createConnection(fake.port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
  await fake?.stop();
});

describe('upstream connections', () => {
  let serving: Serving;

  afterAll(async () => {
    await serving?.stop();
  });

  it('are opened at start, one per origin, and reused by every request after', async () => {
    serving = await serve({
      // Two providers (two accounts) on one origin share its pool.
      config: testConfig({
        providers: {
          a: { type: 'openai', keys: ['sk-a'], base_url: `${proxyUrl}/v1` },
          b: { type: 'openai', keys: ['sk-b'], base_url: `${proxyUrl}/v1` },
        },
        // No background health probes racing the requests for the connection.
        health: { probe_interval_ms: 0 },
      }),
      env: {},
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
    });
    await waitFor(() => connections === 1, 5000, 'the warm-up connection');
    // The warm-up is a real (cheap, authenticated) request, and its connection goes back to the pool.
    const pool = serving.gateway.snapshot.providers.get('a')?.pool;
    await waitFor(() => pool?.stats.free === 1, 5000, 'the warm connection to be idle in its pool');
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1/models']);

    const client = new OpenAI({ baseURL: `${serving.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    for (const model of ['a/gpt-4.1', 'b/gpt-4.1', 'a/gpt-4.1-mini', 'b/gpt-4.1']) {
      const reply = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(reply.choices[0]?.message.content).toBeTruthy();
    }
    const streamed = await client.chat.completions
      .stream({ model: 'a/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion();
    expect(streamed.choices[0]?.message.content).toBeTruthy();
    // Sequential requests, so one kept-alive connection serves them all: the one warmed at start.
    expect(connections).toBe(1);
    expect(serving.gateway.snapshot.providers.get('b')?.pool).toBe(pool);
  });
});
