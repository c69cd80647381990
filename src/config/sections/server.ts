// The `server` section: listener, admin key, body limit and timeouts.

import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { MAX_TIMER_MS, MIB, milliseconds, secret, wholeNumber } from './values.ts';

const ServerSchema = z.strictObject({
  host: z.string().min(1).default(DEFAULTS.host),
  port: wholeNumber(0, 65_535).default(DEFAULTS.port),
  // An empty value (`${SWITCHYARD_ADMIN_KEY:-}`) leaves the admin API off.
  admin_key: z
    .preprocess(
      (value) => (value === '' ? undefined : value),
      secret
        .refine((value) => value.length >= 16, {
          message: 'must be at least 16 characters: it guards /admin/* (try `openssl rand -hex 32`)',
        })
        .optional(),
    )
    .optional(),
  body_limit_bytes: wholeNumber(1024, 1024 * MIB).default(DEFAULTS.bodyLimitBytes),
  request_timeout_ms: milliseconds.default(DEFAULTS.requestTimeoutMs),
  shutdown_grace_ms: wholeNumber(0, MAX_TIMER_MS).default(DEFAULTS.shutdownGraceMs),
});

export const serverSection = ServerSchema.prefault({});
