// The `providers` section: one entry per upstream, keyed by the name used in "provider/model".

import { z } from 'zod';
import { type ProviderType, providerTypes } from '../../providers/registry.ts';
import { DEFAULTS } from './defaults.ts';
import { firstTokenDeadline } from './first-token-deadline.ts';
import { PROVIDER_NAME, baseUrl, headers, milliseconds, modelName, secret, wholeNumber } from './values.ts';

// The registry is the only list of providers (docs/style.md §2.2): a new adapter is a valid `type` at once.
export const PROVIDER_TYPES = providerTypes;
export type { ProviderType };

// Cross-field rules (keys required unless openai-compatible, base_url
// required for it) live in checkCrossFieldRules so they are reported even
// when this provider has other problems.
const ProviderSchema = z.strictObject({
  type: z.enum(PROVIDER_TYPES),
  keys: z.array(secret).default(() => []),
  base_url: baseUrl.optional(),
  timeout_ms: milliseconds.optional(),
  connect_timeout_ms: milliseconds.default(DEFAULTS.connectTimeoutMs),
  first_byte_timeout_ms: milliseconds.default(DEFAULTS.firstByteTimeoutMs),
  idle_timeout_ms: milliseconds.default(DEFAULTS.idleTimeoutMs),
  first_token_deadline: firstTokenDeadline.prefault({}),
  max_connections: wholeNumber(1, 65_535).default(DEFAULTS.maxConnections),
  // Opt-in AIMD limit on requests in flight per key (routing/adaptive-concurrency.ts).
  adaptive_concurrency: z
    .strictObject({
      initial: wholeNumber(1, 100_000).default(16),
      min: wholeNumber(1, 100_000).default(1),
      max: wholeNumber(1, 100_000).default(256),
      max_queue_ms: wholeNumber(0, 60_000).default(1_000),
    })
    .refine((c) => c.min <= c.initial && c.initial <= c.max, {
      message: 'needs min <= initial <= max',
    })
    .optional(),
  // How a broken stream may be continued here; each type's default is in pipeline/continuation.ts.
  continuation: z.enum(['prefix', 'prompt', 'off']).optional(),
  headers: headers.default(() => ({})),
  models: z.array(modelName).optional(),
});

export type ProviderConfig = z.output<typeof ProviderSchema>;

export const providersSection = z
  .record(
    z.string().regex(PROVIDER_NAME, {
      message: 'provider names may use only letters, digits, "_" and "-" (they appear in "provider/model")',
    }),
    ProviderSchema,
  )
  .refine((record) => Object.keys(record).length > 0, { message: 'configure at least one provider' });
