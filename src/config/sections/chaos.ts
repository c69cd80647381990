// The `chaos` section (docs/design.md §1, issue 13): fault injection per provider, off unless present.
// Also settable live through PUT /admin/chaos (src/server/admin-chaos.ts). docs/configuration.md
// explains each key; src/chaos/chaos-control.ts applies them.

import { z } from 'zod';
import { MAX_TIMER_MS, ratio, wholeNumber } from './values.ts';

const ProviderChaosSchema = z.strictObject({
  /** Share of attempts answered with `status` instead of reaching the provider. */
  error_rate: ratio.default(0),
  status: wholeNumber(400, 599).default(503),
  /** Added before every attempt is sent. */
  latency_ms: wholeNumber(0, MAX_TIMER_MS).default(0),
  /** Share of attempts that hear nothing until their first-byte deadline. */
  stall_rate: ratio.default(0),
  /** Share of streams cut after a few chunks, without a finish. */
  cut_rate: ratio.default(0),
  /** Share of streams that get a malformed event after a few chunks. */
  malformed_rate: ratio.default(0),
});

export const ChaosSchema = z.strictObject({
  /** Seed of the fault draws, so a drill can be replayed; default 1. */
  seed: wholeNumber(0, 2_147_483_647).default(1),
  providers: z.record(z.string(), ProviderChaosSchema).default(() => ({})),
});

export type ChaosConfig = z.output<typeof ChaosSchema>;
export type ProviderChaosConfig = z.output<typeof ProviderChaosSchema>;

export const chaosSection = ChaosSchema.optional();
