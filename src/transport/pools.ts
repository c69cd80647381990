/**
 * One undici Pool per upstream origin (docs/style.md §1.3), created when config compiles and reused across
 * reloads while the origin stays configured, so keep-alive connections survive a SIGHUP. Timeouts that
 * belong to the connection (connect, keep-alive) live here; per-request deadlines are passed with each
 * request (transport/upstream-call.ts).
 */
import { Pool } from 'undici';

export interface PoolSettings {
  connections: number;
  connectTimeoutMs: number;
  /** How long an idle keep-alive socket is kept; providers close theirs after ~60 s or more. */
  keepAliveTimeoutMs: number;
}

export class UpstreamPools {
  #pools = new Map<string, Pool>();

  get(origin: string, settings: PoolSettings): Pool {
    const existing = this.#pools.get(origin);
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
    this.#pools.set(origin, pool);
    return pool;
  }

  /** Close pools whose origin is no longer configured, after their in-flight requests finish. */
  async retain(origins: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [origin, pool] of this.#pools) {
      if (origins.has(origin)) continue;
      this.#pools.delete(origin);
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
