/**
 * The cache store contract on a real Redis, and how it degrades: a Redis that is down or silent is a
 * miss (never an error, never a hang), large values are compressed. Needs SWITCHYARD_TEST_REDIS_URL
 * (e.g. redis://127.0.0.1:6379/15); every run uses its own key prefix.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/cache/redis-cache-store.ts';
import { ResponseCache } from '../../src/cache/response-cache.ts';
import { cacheStoreContract, completion } from './cache-store-contract.ts';

const url = process.env.SWITCHYARD_TEST_REDIS_URL;
const prefix = `sy-test:${process.pid}:${Date.now()}:cache:`;

describe('RedisCacheStore when Redis is unreachable', () => {
  it('misses at once on a closed port, and drops writes without throwing', async () => {
    const errors: string[] = [];
    const store = new RedisCacheStore('redis://127.0.0.1:1', {
      timeoutMs: 10,
      prefix,
      onError: (operation) => errors.push(operation),
    });
    const cache = new ResponseCache(store);
    expect(await cache.lookup('k', ['openai/gpt-4.1'])).toBeUndefined();
    cache.save(
      'k',
      { provider: 'openai', target: 'openai/gpt-4.1', upstreamModel: 'm', completion: completion('x') },
      1000,
      1 << 20,
    );
    cache.noteVersion('openai/gpt-4.1', 'm2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toContain('read');
    expect(errors).toContain('write');
    store.redis.disconnect();
  });

  describe('a Redis that stops answering once connected', () => {
    // A TCP proxy in front of the real Redis that stops forwarding on demand: a Redis stuck behind a
    // slow command, from the client's side.
    let proxy: Server;
    let stalled = false;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      if (url === undefined) return;
      const target = new URL(url);
      proxy = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        sockets.push(client, upstream);
        client.on('data', (bytes) => {
          if (!stalled) upstream.write(bytes);
        });
        upstream.on('data', (bytes) => client.write(bytes));
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      if (proxy !== undefined) await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });

    const slow = url === undefined ? it.skip : it;
    slow('turns a read into a miss after its timeout', async () => {
      const address = proxy.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const errors: string[] = [];
      const store = new RedisCacheStore(`redis://127.0.0.1:${address.port}${new URL(url ?? '').pathname}`, {
        timeoutMs: 15,
        prefix,
        onError: (operation) => errors.push(operation),
      });
      await store.ready();
      expect(store.redis.status).toBe('ready');
      const cache = new ResponseCache(store);
      stalled = true;
      expect(await cache.lookup('k', ['openai/gpt-4.1'])).toBeUndefined();
      expect(errors).toContain('read');
      store.redis.disconnect();
    });
  });
});

if (url === undefined) {
  describe('cache store contract: redis', () => {
    it.skip('needs SWITCHYARD_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)', () => {});
  });
  console.log('[cache store contract: redis] skipped: SWITCHYARD_TEST_REDIS_URL is not set');
} else {
  let namespaces = 0;
  cacheStoreContract('redis', {
    open: async (shared) => {
      namespaces += 1;
      const store = new RedisCacheStore(url, {
        timeoutMs: 1000,
        prefix: `${prefix}${shared ?? `ns${namespaces}`}:`,
      });
      await store.ready();
      return store;
    },
  });

  describe('RedisCacheStore', () => {
    it('compresses large values and keeps small ones plain', async () => {
      const store = new RedisCacheStore(url, { timeoutMs: 1000, prefix: `${prefix}compress:` });
      await store.ready();
      const large = JSON.stringify({ text: 'a fairly repetitive answer '.repeat(1000) });
      store.write('large', Buffer.from(large), 60_000);
      store.write('small', Buffer.from('{"text":"short"}'), 60_000);
      let raw: Buffer | null = null;
      const deadline = Date.now() + 5000;
      while (raw === null && Date.now() < deadline)
        raw = await store.redis.getBuffer(`${prefix}compress:e:large`);
      expect(raw).not.toBeNull();
      expect(raw?.[0]).toBe(0x62);
      expect(raw?.length ?? Infinity).toBeLessThan(large.length / 10);
      expect((await store.read('large', [])).entry?.toString('utf8')).toBe(large);
      expect(String(await store.redis.getBuffer(`${prefix}compress:e:small`))).toBe('p{"text":"short"}');
      const ttl = await store.redis.pttl(`${prefix}compress:e:large`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await store.close();
    });

    it('reads a reply that arrived while the event loop was busy past the timeout: a hit, not a miss', async () => {
      const errors: unknown[] = [];
      const store = new RedisCacheStore(url, {
        timeoutMs: 10,
        prefix: `${prefix}busy:`,
        onError: (_operation, error) => errors.push(error),
      });
      await store.ready();
      await store.redis.set(`${prefix}busy:e:k`, 'p{"text":"cached"}');
      let hits = 0;
      for (let round = 0; round < 5; round++) {
        const read = store.read('k', []);
        // Once the command is on the wire, a burst keeps the loop busy for 40 ms: the reply is on the
        // socket long before the loop reads it.
        await new Promise((resolve) => setImmediate(resolve));
        const until = performance.now() + 40;
        while (performance.now() < until);
        if ((await read).entry !== undefined) hits++;
      }
      expect(errors).toEqual([]);
      expect(hits).toBe(5);
      await store.close();
    });
  });
}
