/**
 * An ioredis client for any form of the `state` setting (redis-target.ts): one Redis, the master behind
 * Sentinels, or a Cluster. Shared by the state store and the response cache, which opens its own
 * connection so a large cache value never queues ahead of a limits check.
 */
import { createRequire } from 'node:module';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { parseRedisTarget } from './redis-target.ts';

/** A single Redis (plain or behind Sentinels) or a Cluster: the commands we use exist on both. */
export type RedisClient = Redis | Cluster;

/**
 * ioredis is loaded on first use: importing it costs about 27 MB of resident memory, which a gateway on
 * `state: memory` (the default) would carry for nothing; peak RSS is part of the performance budget.
 */
function loadIoredis(): { Redis: typeof Redis; Cluster: typeof Cluster } {
  return createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis; Cluster: typeof Cluster };
}

/** `common`: options for every connection (timeouts, retries, pipelining). Throws on an invalid setting. */
export function createRedisClient(setting: string, common: RedisOptions): RedisClient {
  const target = parseRedisTarget(setting);
  if (typeof target === 'string') throw new Error(`state: ${target}`);
  const ioredis = loadIoredis();
  let client: RedisClient;
  if (target.kind === 'single') {
    client = new ioredis.Redis(setting, common);
  } else if (target.kind === 'sentinel') {
    client = new ioredis.Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      db: target.db,
      username: target.username,
      password: target.password,
      sentinelUsername: target.username,
      sentinelPassword: target.password,
      enableTLSForSentinelMode: target.tls,
      ...(target.tls ? { tls: {} } : {}),
    });
  } else {
    client = new ioredis.Cluster(target.nodes, {
      enableAutoPipelining: common.enableAutoPipelining,
      enableOfflineQueue: common.enableOfflineQueue,
      redisOptions: {
        ...common,
        username: target.username,
        password: target.password,
        ...(target.tls ? { tls: {} } : {}),
      },
    });
  }
  // ioredis reconnects by itself; without a listener an unreachable Redis would crash the process.
  client.on('error', () => {});
  return client;
}
