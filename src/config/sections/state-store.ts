// The `state` (shared counters: memory or Redis) and `store` (usage records:
// SQLite or PostgreSQL) sections.

import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { isUrl } from './values.ts';

export const stateSection = z
  .string()
  .refine((value) => value === 'memory' || isUrl(value, ['redis:', 'rediss:']), {
    message: 'must be "memory" or a redis:// or rediss:// URL',
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
