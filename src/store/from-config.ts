/**
 * The `store` setting (docs/design.md §1) to an open, migrated store: `sqlite:PATH` (relative to the process
 * cwd; `sqlite::memory:` for tests) or a `postgres://` / `postgresql://` URL. Errors name the setting
 * with any password masked (config/errors.ts: messages never quote a credential).
 */
import { PostgresStore } from './postgres.ts';
import { SqliteStore, sqlitePathOf } from './sqlite.ts';
import type { Store } from './types.ts';

/** The setting as it may appear in an error or a log line: a URL's password replaced by `***`. */
export function describeStoreSetting(setting: string): string {
  if (!setting.includes('://')) return setting;
  try {
    const url = new URL(setting);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Unparseable: anything after the scheme could be a credential, so show the scheme alone.
    return `${setting.slice(0, setting.indexOf('://') + 3)}… (not a valid URL)`;
  }
}

/** An error's message; a connection to a host with several addresses fails with an AggregateError whose own message is empty. */
function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '')
    return error.errors.map((inner) => messageOf(inner)).join('; ');
  return error instanceof Error ? error.message : String(error);
}

export async function openStore(setting: string): Promise<Store> {
  const shown = describeStoreSetting(setting);
  if (setting.startsWith('sqlite:')) {
    const path = sqlitePathOf(setting);
    try {
      return await SqliteStore.open(path);
    } catch (error) {
      throw new Error(`Could not open the store '${shown}' (file ${path}): ${messageOf(error)}`, {
        cause: error,
      });
    }
  }
  if (setting.startsWith('postgres://') || setting.startsWith('postgresql://')) {
    try {
      new URL(setting);
    } catch (error) {
      throw new Error(`The store setting '${shown}' is not a valid PostgreSQL URL`, { cause: error });
    }
    try {
      return await PostgresStore.open(setting);
    } catch (error) {
      // pg's messages name the host, user and database, never the password.
      throw new Error(`Could not open the store '${shown}': ${messageOf(error)}`, { cause: error });
    }
  }
  throw new Error(
    `The store setting '${shown}' is not supported: expected sqlite:PATH, sqlite::memory: or a postgres:// URL`,
  );
}
