/**
 * One undici Pool per upstream origin and pool settings (docs/style.md §1.3), created when config compiles
 * and reused across reloads while a provider still asks for it, so keep-alive connections survive a
 * SIGHUP. Two providers on one origin (two accounts of one vendor, say) share a pool only when they ask
 * for the same size and connect timeout: otherwise the first would impose its own on the second. A reload
 * that changes a provider's settings gets a new pool, and the old one closes once its requests are done.
 * Timeouts that belong to the connection (connect, keep-alive) live here; per-request deadlines are passed
 * with each request (transport/upstream-call.ts).
 */
import { Pool } from 'undici';

export interface PoolSettings {
  connections: number;
  connectTimeoutMs: number;
  /** How long an idle keep-alive socket is kept; providers close theirs after ~60 s or more. */
  keepAliveTimeoutMs: number;
}

export class UpstreamPools {
  /** By origin and settings (poolKey). */
  #pools = new Map<string, Pool>();

  get(origin: string, settings: PoolSettings): Pool {
    const key = poolKey(origin, settings);
    const existing = this.#pools.get(key);
    if (existing !== undefined) return existing;
    const pool = new Pool(origin, {
      connections: settings.connections,
      pipelining: 1,
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(settings.keepAliveTimeoutMs, 600_000),
      // Per-request values override these; they are backstops for requests that set none.
      headersTimeout: 300_000,
      bodyTimeout: 300_000,
    });
    this.#pools.set(key, pool);
    return pool;
  }

  /** Close the pools no provider uses any more, after their in-flight requests finish. */
  async retain(inUse: ReadonlySet<Pool>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, pool] of this.#pools) {
      if (inUse.has(pool)) continue;
      this.#pools.delete(key);
      closing.push(pool.close());
    }
    await Promise.all(closing);
  }

  /** Graceful: waits for in-flight requests. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

function poolKey(origin: string, settings: PoolSettings): string {
  return `${origin} ${settings.connections} ${settings.connectTimeoutMs} ${settings.keepAliveTimeoutMs}`;
}
