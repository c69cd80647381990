// The `pricing`, `alerts` and `limits` sections of the control plane (docs/design.md §1).

import { z } from 'zod';
import { fromNumericString, isUrl, milliseconds, secret, wholeNumber } from './values.ts';

const pricePerMTok = z.preprocess(fromNumericString, z.number().min(0).max(1_000_000));

export const PriceSchema = z.strictObject({
  input: pricePerMTok,
  output: pricePerMTok,
  cached_input: pricePerMTok.optional(),
  // Prompt tokens written to the provider's cache; absent: the built-in rate, else billed as `input`.
  cache_write_input: pricePerMTok.optional(),
  // Written with Anthropic's 1-hour TTL (2× input there); absent: the built-in rate, else `cache_write_input`.
  cache_write_1h_input: pricePerMTok.optional(),
  batch_discount: z.preprocess(fromNumericString, z.number().gt(0).max(1)).optional(),
});

export const pricingSection = z
  .strictObject({
    // Enables the signed POST /admin/pricing webhook; without it the webhook answers 404.
    webhook_secret: z
      .preprocess(
        (value) => (value === '' ? undefined : value),
        secret
          .refine((value) => value.length >= 16, {
            message: 'must be at least 16 characters (try `openssl rand -hex 32`)',
          })
          .optional(),
      )
      .optional(),
    // `model` (any provider) or `provider/model` (that provider only, which wins).
    models: z.record(z.string().min(1), PriceSchema).default(() => ({})),
  })
  .prefault({});

export const alertsSection = z
  .strictObject({
    webhook_url: z
      .preprocess(
        (value) => (value === '' ? undefined : value),
        z
          .string()
          // The URL the sender will parse (alerts/sender.ts), so `check` refuses what `start` could not use.
          .refine((value) => isUrl(value, ['http:', 'https:']), {
            message: 'must be an http:// or https:// URL',
          })
          .optional(),
      )
      .optional(),
    // How often spend projections and burn rates are checked.
    check_interval_s: wholeNumber(5, 86_400).default(60),
  })
  .prefault({});

export const LIMITS_FAILURE_MODES = ['local', 'closed'] as const;

export const limitsSection = z
  .strictObject({
    // What limits and budgets do while a redis state does not answer: `local` keeps enforcing them per
    // instance from memory (fail open across instances, never hung), `closed` refuses with 503.
    on_state_failure: z.enum(LIMITS_FAILURE_MODES).default('local'),
    // A state call slower than this counts as a failure: a Redis that stops answering costs the first
    // request this much, then limits answer locally until a probe finds it back. Long enough that a busy
    // but healthy Redis (or a briefly lagging event loop) is not taken for an outage.
    state_timeout_ms: milliseconds.default(500),
    // How often each instance reads new and revoked keys from the store.
    key_refresh_ms: wholeNumber(100, 3_600_000).default(2_000),
  })
  .prefault({});
