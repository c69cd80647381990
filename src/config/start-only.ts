/**
 * Config keys read once, when the process starts: what they build (the listening socket, the state and
 * store connections, the cache's memory, the log queue, the alert timer, the batch file directory) is not
 * rebuilt by a reload. A reload that changes one says so, instead of reporting "config reloaded" while the
 * old value stays in force.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config } from './schema.ts';

const START_ONLY_KEYS = [
  'server.host',
  'server.port',
  'state',
  'store',
  'cache.max_bytes',
  'cache.redis_timeout_ms',
  'limits.on_state_failure',
  'limits.state_timeout_ms',
  'logging.queue_size',
  'alerts.check_interval_s',
  'batch.files_dir',
] as const;

/** The start-only keys whose value differs between the config in force and the reloaded one. */
export function changedStartOnlyKeys(running: Config, reloaded: Config): string[] {
  return START_ONLY_KEYS.filter((key) => !isDeepStrictEqual(valueAt(running, key), valueAt(reloaded, key)));
}

function valueAt(config: Config, key: string): unknown {
  let value: unknown = config;
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}
