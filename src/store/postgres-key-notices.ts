/**
 * Key and tenant changes announced between instances that share one PostgreSQL store: the instance that
 * creates or revokes a key (or changes a tenant) sends `NOTIFY switchyard_key_changes` after its commit,
 * and every instance LISTENs on a connection of its own and re-reads the changes at once. A revoked key is
 * then refused everywhere within milliseconds instead of the next `limits.key_refresh_ms` poll, which
 * stays as the backstop for a notice lost to a dropped connection.
 */
import type { Client, ClientConfig, Pool } from 'pg';
import { loadPg } from './pg-module.ts';

export const KEY_CHANGES_CHANNEL = 'switchyard_key_changes';

/** How long a lost LISTEN connection waits before connecting again. */
const RECONNECT_MS = 1000;

/** Sends the notice; the caller has committed the change. A lost notice only costs the poll's delay. */
export async function announceKeyChange(pool: Pool): Promise<void> {
  await pool.query(`NOTIFY ${KEY_CHANGES_CHANNEL}`);
}

/**
 * Calls `listener` on every notice, and once after each reconnect (notices sent while the connection was
 * down are lost). Returns the function that stops listening.
 */
export function listenForKeyChanges(
  config: ClientConfig,
  listener: () => void,
  onError: (error: Error) => void,
): () => void {
  let stopped = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new (loadPg().Client)(config);
    client = next;
    // A LISTEN connection is idle by design: no statement or query timeout may end it.
    next.on('error', (error) => {
      onError(error);
      reconnect(next);
    });
    next.on('end', () => reconnect(next));
    next.on('notification', () => listener());
    try {
      await next.connect();
      await next.query(`LISTEN ${KEY_CHANGES_CHANNEL}`);
      if (stopped) await next.end();
    } catch (error) {
      onError(error as Error);
      reconnect(next);
    }
  };

  const reconnect = (lost: Client): void => {
    if (stopped || client !== lost || retry !== undefined) return;
    client = undefined;
    lost.end().catch(() => {});
    retry = setTimeout(() => {
      retry = undefined;
      if (stopped) return;
      // Changes made while nobody listened are read now.
      listener();
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  };

  void connect();
  return () => {
    stopped = true;
    if (retry !== undefined) clearTimeout(retry);
    client?.end().catch(() => {});
    client = undefined;
  };
}
