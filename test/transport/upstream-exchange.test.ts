import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamRequest } from '../../src/providers/types.ts';
import { UpstreamExchange } from '../../src/transport/upstream-exchange.ts';

/** Each path is a scripted answer; `/hold` keeps the connection busy until released. */
const held: ServerResponse[] = [];
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    req.resume();
    if (req.url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      await sleep(5);
      res.end('"é"}');
    } else if (req.url === '/drip') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of ['one|', 'two|', 'three|']) {
        res.write(piece);
        await sleep(20);
      }
      res.end('end');
    } else if (req.url === '/quick-error') {
      // An in-band error and the end of the body in one write, before anyone reads it.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"error":{"message":"boom"}}\n\n');
    } else if (req.url === '/hold') {
      res.writeHead(200);
      res.write('started');
      held.push(res);
    } else {
      res.writeHead(429, { 'retry-after': '3' }).end('{"error":{"message":"slow down"}}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of held) res.end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string): UpstreamRequest => ({ method: 'GET', path, headers: {}, body: undefined });

function open(pool: Pool, path: string, signal = new AbortController().signal): UpstreamExchange {
  return new UpstreamExchange(pool, get(path), { firstByteTimeoutMs: 5000, idleTimeoutMs: 5000, signal });
}

describe('UpstreamExchange', () => {
  it('reads a whole body sent in pieces, multi-byte characters intact', async () => {
    const pool = new Pool(origin);
    const exchange = open(pool, '/json');
    expect((await exchange.head).statusCode).toBe(200);
    expect(await exchange.text()).toBe('{"a":"é"}');
    await pool.close();
  });

  it('gives an error status with its headers and body', async () => {
    const pool = new Pool(origin);
    const exchange = open(pool, '/other');
    const head = await exchange.head;
    expect(head.statusCode).toBe(429);
    expect(head.headers['retry-after']).toBe('3');
    expect(await exchange.text()).toContain('slow down');
    await pool.close();
  });

  it('holds further pieces while the sink asks for a pause, and goes on after resume()', async () => {
    const pool = new Pool(origin);
    const exchange = open(pool, '/drip');
    await exchange.head;
    const seen: string[] = [];
    const done = exchange.consume((bytes) => {
      seen.push(bytes.toString());
      return seen.length !== 1; // a full client socket after the first piece
    });
    await sleep(120); // the upstream has written everything by now
    expect(seen).toEqual(['one|']);
    exchange.resume();
    await done;
    expect(seen.join('')).toBe('one|two|three|end');
    await pool.close();
  });

  it('rejects with what the sink threw, even when the body had already ended', async () => {
    const pool = new Pool(origin);
    const exchange = open(pool, '/quick-error');
    await exchange.head;
    await sleep(30); // body read and ended before anyone consumes it
    const thrown = new Error('in-band error');
    await expect(
      exchange.consume(() => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    await pool.close();
  });

  it('rejects with the signal’s reason when the client goes away mid-body', async () => {
    const pool = new Pool(origin);
    const client = new AbortController();
    const exchange = open(pool, '/hold', client.signal);
    await exchange.head;
    const done = exchange.consume(() => true);
    client.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    await pool.destroy();
  });

  it('rejects at once when aborted while queued behind a busy connection', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const busy = open(pool, '/hold');
    await busy.head;
    const queued = open(pool, '/json');
    const started = performance.now();
    const reason = new Error('deadline');
    queued.abort(reason);
    await expect(queued.head).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(100);
    await pool.destroy();
  });

  it('rejects before dispatching when the signal has already fired', async () => {
    const pool = new Pool(origin);
    const client = new AbortController();
    client.abort();
    await expect(open(pool, '/json', client.signal).head).rejects.toMatchObject({ name: 'AbortError' });
    await pool.close();
  });

  it('rejects, instead of throwing, on a pool that was closed (a reload removed its origin)', async () => {
    const pool = new Pool(origin);
    await pool.close();
    // A closed pool reports itself destroyed once its requests are done; both are network failures.
    await expect(open(pool, '/json').head).rejects.toMatchObject({
      code: expect.stringMatching(/^UND_ERR_(CLOSED|DESTROYED)$/),
    });
  });
});
