/**
 * The request's own deadline (`server.request_timeout_ms`) against a silent first target: the request
 * ends with a 504 at its deadline, and no attempt is started on the next target in the last moment (the
 * first target's deadline is clamped to the request's and fires a moment before the request's own timer;
 * such an attempt was aborted within milliseconds and charged to a healthy target).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

let silent: Server;
let backup: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  // Answers the model list (the gateway's warm-up probe); a completion gets its headers (as a provider
  // flushes a stream's at once) and then nothing.
  silent = createServer((req, res) => {
    if (req.url?.endsWith('/models')) res.end('{"object":"list","data":[]}');
    else res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  backup = await startFakeOpenAI({ keys: ['sk-b'] });
  gw = await startTestGateway({
    server: { request_timeout_ms: 1000 },
    providers: {
      silent: {
        type: 'openai',
        keys: ['sk-s'],
        base_url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`,
      },
      backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
    },
    models: { smart: { targets: ['silent/gpt-4.1', 'backup/gpt-4.1'] } },
  });
});

afterAll(async () => {
  await gw?.stop();
  await backup?.stop();
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
});

describe('the request deadline', () => {
  it('ends the request with a 504 and starts no attempt on the next target in its last moment', async () => {
    for (const stream of [false, true]) {
      const before = backup.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
      const started = performance.now();
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'smart', stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status, `stream: ${stream}`).toBe(504);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
      expect(performance.now() - started).toBeLessThan(1500);
      const id = response.headers.get('x-request-id');
      await waitFor(() => gw.logs.some((line) => line.request_id === id && line.msg === 'request'), 5000);
      const line = gw.logs.find((l) => l.request_id === id && l.msg === 'request') as { attempts: unknown[] };
      expect(line.attempts).toHaveLength(1);
      const after = backup.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
      expect(after - before).toBe(0);
    }
  });
});
