import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeExchange, FakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import { startFakeServer } from '../../../../src/demo/fakes/shared/fake-server.ts';
import type { ProviderErrorFactory } from '../../../../src/demo/fakes/shared/fault-response.ts';
import { FAKE_SCRIPT_HEADER } from '../../../../src/demo/fakes/shared/script.ts';
import { sseFrame } from '../../../../src/demo/fakes/shared/sse-writer.ts';

// A toy provider: POST /echo answers JSON, POST /stream answers three SSE events and [DONE].
const errorFor: ProviderErrorFactory = (status) => ({
  body: { error: { status } },
  headers: { 'x-toy': 'error' },
});

async function toyHandler(exchange: FakeExchange): Promise<void> {
  const body = exchange.body.kind === 'json' ? (exchange.body.value as { model?: string }) : {};
  const streaming = exchange.path === '/stream';
  const script = exchange.takeScript(body.model);
  if (await exchange.applyEarlyFault(script, { streaming, errorFor })) return;
  if (!streaming) {
    await exchange.sendJson(200, { ok: true, padding: 'x'.repeat(200) }, { script, generatedTokens: 3 });
    return;
  }
  const events = ['a', 'b', 'c'].map((d) => sseFrame({ d })).concat(sseFrame('[DONE]'));
  await exchange.sendEvents(events, {
    script,
    headers: { 'content-type': 'text/event-stream' },
    inBandError: (status) => [sseFrame({ error: { status } })],
  });
}

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function start(): Promise<FakeServer> {
  fake = await startFakeServer({ name: 'toy', handler: toyHandler });
  return fake;
}

function post(
  server: FakeServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(server.url + path, { method: 'POST', body: JSON.stringify(body), headers });
}

describe('startFakeServer', () => {
  it('records method, path, headers and the parsed body', async () => {
    const server = await start();
    const res = await post(server, '/echo?x=1', { model: 'm' }, { 'x-test': 'yes' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
    const [record] = await server.waitFor((rs) => rs[0]?.completed === true);
    expect(record).toMatchObject({
      method: 'POST',
      path: '/echo',
      body: { model: 'm' },
      aborted: false,
      status: 200,
    });
    expect(record?.query.get('x')).toBe('1');
    expect(record?.headers['x-test']).toBe('yes');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers a status fault with the provider error body and retry-after', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 7 } });
    const res = await post(server, '/echo', {});
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-toy')).toBe('error');
    expect(await res.json()).toEqual({ error: { status: 429 } });
    // One-shot: the next request is normal again.
    expect((await post(server, '/echo', {})).status).toBe(200);
  });

  it('uses a status fault body and headers verbatim when given', async () => {
    const server = await start();
    server.control.enqueue({
      fault: { kind: 'status', status: 503, body: { custom: 1 }, headers: { 'x-a': 'b' } },
    });
    const res = await post(server, '/echo', {});
    expect(res.status).toBe(503);
    expect(res.headers.get('x-a')).toBe('b');
    expect(await res.json()).toEqual({ custom: 1 });
  });

  it('resets the connection before any response', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'reset' } });
    await expect(post(server, '/echo', {})).rejects.toThrow();
    const [record] = await server.waitForRequests(1);
    expect(record?.aborted).toBe(false);
    expect(record?.script).toEqual({ source: 'queue', fault: 'reset' });
  });

  it('stalls until the client goes away and marks the request aborted', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'stall' } });
    const controller = new AbortController();
    const aborted = fetch(`${server.url}/echo`, {
      method: 'POST',
      body: '{}',
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await server.waitForRequests(1);
    controller.abort();
    expect(await aborted).toBeInstanceOf(Error);
    const records = await server.waitFor((rs) => rs.some((r) => r.aborted));
    expect(records.filter((r) => r.aborted)).toHaveLength(1);
  });

  it('cuts a JSON body halfway', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'cut', afterChunks: 0 } });
    const res = await post(server, '/echo', {});
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('streams every event, then cuts after N events when scripted', async () => {
    const server = await start();
    expect(await (await post(server, '/stream', {})).text()).toBe(
      'data: {"d":"a"}\n\ndata: {"d":"b"}\n\ndata: {"d":"c"}\n\ndata: [DONE]\n\n',
    );
    server.control.enqueue({ fault: { kind: 'cut', afterChunks: 2 } });
    const cut = await post(server, '/stream', {});
    const received: string[] = [];
    const reader = cut.body!.getReader();
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          received.push(decoder.decode(value));
        }
      })(),
    ).rejects.toThrow();
    expect(received.join('')).toBe('data: {"d":"a"}\n\ndata: {"d":"b"}\n\n');
  });

  it('sends the in-band error event after N events on stream-error', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 1, status: 503 } });
    const text = await (await post(server, '/stream', {})).text();
    expect(text).toBe('data: {"d":"a"}\n\ndata: {"error":{"status":503}}\n\n');
  });

  it('takes a script from the test header before the queue', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'status', status: 500 } });
    const res = await post(
      server,
      '/echo',
      {},
      { [FAKE_SCRIPT_HEADER]: JSON.stringify({ fault: { kind: 'status', status: 418 } }) },
    );
    expect(res.status).toBe(418);
    expect(server.control.pending).toBe(1);
  });

  it('refuses connections while down and serves again on the same port after up', async () => {
    const server = await start();
    const port = server.port;
    await server.down();
    await expect(post(server, '/echo', {})).rejects.toThrow();
    await server.up();
    expect(server.port).toBe(port);
    expect((await post(server, '/echo', {})).status).toBe(200);
  });

  it('down() drops open requests without marking them aborted', async () => {
    const server = await start();
    server.control.enqueue({ fault: { kind: 'stall' } });
    const pending = post(server, '/echo', {}).catch((e: unknown) => e);
    await server.waitForRequests(1);
    await server.down();
    expect(await pending).toBeInstanceOf(Error);
    expect(server.requests[0]).toMatchObject({ aborted: false, completed: false });
  });

  it('stop() ends a stalled request without marking it aborted and leaves no handle open', async () => {
    const handles = (): number =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap' || r === 'Timeout').length;
    const before = handles();
    const server = await start();
    server.control.setModelScript('slow', { fault: { kind: 'stall' } });
    // A paced stream with long intervals is mid-way when stop() comes.
    server.control.setModelScript('paced', { firstByteMs: 0, tokenIntervalMs: 60_000 });
    const outcomes = ['slow', 'paced'].map(
      (model) =>
        new Promise<string>((resolve) => {
          const path = model === 'paced' ? '/stream' : '/echo';
          const req = request(`${server.url}${path}`, { method: 'POST', agent: false }, (res) => {
            res.on('data', () => {});
            res.on('error', () => resolve('error'));
            res.on('end', () => resolve('end'));
          });
          req.on('error', () => resolve('error'));
          req.end(JSON.stringify({ model }));
        }),
    );
    await server.waitForRequests(2);
    await server.stop();
    expect(await Promise.all(outcomes)).toEqual(['error', 'error']);
    expect(server.requests.map((r) => r.aborted)).toEqual([false, false]);
    fake = undefined;
    // Sockets close asynchronously; poll with a deadline rather than sleeping a fixed time.
    const deadline = Date.now() + 2_000;
    while (handles() > before && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(handles()).toBeLessThanOrEqual(before);
  });

  it('delays the first byte by the scripted latency', async () => {
    const server = await start();
    server.control.setLatency({ firstByteMs: 30, tokenIntervalMs: [1, 2] });
    const res = await post(server, '/stream', {});
    expect(await res.text()).toContain('[DONE]');
  });

  it('reports when waitFor times out', async () => {
    const server = await start();
    await expect(server.waitForRequests(1, 20)).rejects.toThrow(/within 20 ms/);
  });
});
