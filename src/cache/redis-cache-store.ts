/**
 * The cache in the Redis every instance shares (`state: redis://…`), on its own connection (a large
 * value must not queue ahead of a limits check on the state's). Values over COMPRESS_FROM_BYTES are
 * brotli-compressed off the event loop (node:zlib's async form runs in the thread pool); the size cap
 * applies before compression (the caller checks it).
 *
 * A Redis that is down or slow is a miss within `timeoutMs`: a read races a timer, commands are not
 * queued while disconnected (they fail at once), and nothing is retried. A failed write is dropped: the
 * next request simply misses. ioredis's own command timeout is a longer backstop, so that a silent Redis
 * cannot keep commands (and their values) pending forever.
 */
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants as zlib } from 'node:zlib';
import { createRedisClient, type RedisClient } from '../state/redis-client.ts';
import {
  type CacheRead,
  type CacheStore,
  type CacheStoreErrorHandler,
  MARKER_TTL_MS,
} from './cache-store.ts';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/** Below this, compression saves less than it costs (a thread-pool hop each way). */
const COMPRESS_FROM_BYTES = 1024;
/** Quality 4: most of brotli's ratio on JSON text at a small fraction of its default (11) cost. */
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } };
/** First byte of a stored value: how the rest is encoded. */
const PLAIN = 0x70; // 'p'
const BROTLI = 0x62; // 'b'
/** The longest wait for a first connection at start; after it the cache simply misses until connected. */
const READY_WAIT_MS = 2000;
/** ioredis's command timeout, as a multiple of the read timeout (and at least a second). */
const BACKSTOP_FACTOR = 10;
const BACKSTOP_MIN_MS = 1000;

export interface RedisCacheStoreOptions {
  /** A command slower than this is a failure (a miss for reads). */
  timeoutMs: number;
  /** Prepended to every key; default `switchyard:cache:`. */
  prefix?: string;
  onError?: CacheStoreErrorHandler;
}

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis' as const;
  readonly redis: RedisClient;
  readonly #prefix: string;
  readonly #onError: CacheStoreErrorHandler;
  readonly #timeoutMs: number;

  /** `setting`: the `state` setting, any form of state/redis-target.ts. */
  constructor(setting: string, options: RedisCacheStoreOptions) {
    this.#prefix = options.prefix ?? 'switchyard:cache:';
    this.#onError = options.onError ?? (() => {});
    this.#timeoutMs = options.timeoutMs;
    this.redis = createRedisClient(setting, {
      commandTimeout: Math.max(BACKSTOP_MIN_MS, options.timeoutMs * BACKSTOP_FACTOR),
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
    });
  }

  async read(key: string, targets: readonly string[]): Promise<CacheRead> {
    const redis = this.redis;
    // Auto-pipelining sends these together: one round trip (one per node on a Cluster).
    const entry = redis.getBuffer(this.#entryKey(key));
    const markers = targets.map((target) => redis.get(this.#markerKey(target)));
    let timer: NodeJS.Timeout | undefined;
    try {
      const answers = Promise.all([entry, ...markers]);
      // A late rejection after the timer won must not surface as an unhandled rejection.
      answers.catch(() => {});
      const timeout = new Promise<never>((_, reject) => {
        // The rejection waits one turn of the event loop (setImmediate runs after the poll phase): when
        // the loop itself was late, a reply already on the socket is read first and wins, so a busy
        // gateway does not turn its own lag into misses, each one a paid upstream call.
        timer = setTimeout(
          () => setImmediate(() => reject(new Error(`the cache read took over ${this.#timeoutMs} ms`))),
          this.#timeoutMs,
        );
      });
      const [value, ...versions] = await Promise.race([answers, timeout]);
      clearTimeout(timer);
      return {
        entry: value === null ? undefined : await decode(value as Buffer),
        markers: (versions as Array<string | null>).map((version) => version ?? undefined),
      };
    } catch (error) {
      clearTimeout(timer);
      this.#onError('read', error);
      return { entry: undefined, markers: targets.map(() => undefined) };
    }
  }

  write(key: string, value: Buffer, ttlMs: number): void {
    encode(value)
      .then((bytes) => this.redis.set(this.#entryKey(key), bytes, 'PX', Math.max(1, Math.ceil(ttlMs))))
      .catch((error: unknown) => this.#onError('write', error));
  }

  writeMarker(target: string, version: string): void {
    this.redis
      .set(this.#markerKey(target), version, 'PX', MARKER_TTL_MS)
      .catch((error: unknown) => this.#onError('write', error));
  }

  ready(): Promise<void> {
    const redis = this.redis;
    if (redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, READY_WAIT_MS);
      timer.unref();
      redis.once('ready', done);
    });
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      // Already disconnected: nothing left to close.
      this.redis.disconnect();
    }
  }

  #entryKey(key: string): string {
    return `${this.#prefix}e:${key}`;
  }

  #markerKey(target: string): string {
    return `${this.#prefix}v:${target}`;
  }
}

async function encode(text: Buffer): Promise<Buffer> {
  if (text.length < COMPRESS_FROM_BYTES) return Buffer.concat([Buffer.of(PLAIN), text]);
  return Buffer.concat([Buffer.of(BROTLI), await compress(text, BROTLI_OPTIONS)]);
}

async function decode(bytes: Buffer): Promise<Buffer | undefined> {
  const body = bytes.subarray(1);
  if (bytes[0] === PLAIN) return body;
  if (bytes[0] === BROTLI) return await decompress(body);
  return undefined;
}
