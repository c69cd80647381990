/**
 * pg, loaded on first use, as ioredis is in src/state/redis-client.ts: a gateway on the embedded SQLite
 * store (the default) does not carry it.
 */
import { createRequire } from 'node:module';
import type { Client, Pool } from 'pg';

export function loadPg(): { Pool: typeof Pool; Client: typeof Client } {
  return createRequire(import.meta.url)('pg') as { Pool: typeof Pool; Client: typeof Client };
}
