// The `state` (shared counters: memory or Redis) and `store` (usage records:
// SQLite or PostgreSQL) sections.

import { z } from 'zod';
import { parseRedisTarget } from '../../state/redis-target.ts';
import { DEFAULTS } from './defaults.ts';
import { isUrl } from './values.ts';

/**
 * `memory`, or a Redis: `redis://host:port[/db]` or `rediss://…` (TLS); a Cluster as
 * `redis-cluster://host1:port1,host2:port2`; the master of Sentinels as
 * `redis-sentinel://host1:port1,host2:port2/mastername[/db]` (the `rediss-` forms use TLS; credentials
 * go before the hosts: `redis-cluster://user:password@host:port,…`).
 */
export const stateSection = z
  .string()
  // The message never repeats the value: it may hold a password.
  .refine((value) => value === 'memory' || typeof parseRedisTarget(value) !== 'string', {
    message:
      'must be "memory", a redis:// or rediss:// URL, redis-cluster://host:port,… or redis-sentinel://host:port,…/mastername',
  })
  .default(DEFAULTS.state);

export const storeSection = z
  .string()
  .refine(
    (value) =>
      (value.startsWith('sqlite:') && value.length > 'sqlite:'.length) ||
      isUrl(value, ['postgres:', 'postgresql:']),
    { message: 'must be sqlite:PATH or a postgres:// or postgresql:// URL' },
  )
  .default(DEFAULTS.store);
