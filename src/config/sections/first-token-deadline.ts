// The adaptive first-token deadline's settings (routing/first-token-stats.ts), shared by
// `providers.<name>.first_token_deadline` and the per-model override `models.<name>.first_token_deadline`.

import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { fromNumericString, milliseconds, wholeNumber } from './values.ts';

// A multiple of the target's recent p99 time to first token, between floor_ms and
// first_byte_timeout_ms; false keeps first_byte_timeout_ms fixed.
export const firstTokenDeadline = z.union([
  z.literal(false),
  z.strictObject({
    multiple: z
      .preprocess(fromNumericString, z.number().min(1).max(100))
      .default(DEFAULTS.firstTokenDeadline.multiple),
    floor_ms: milliseconds.default(DEFAULTS.firstTokenDeadline.floorMs),
    min_samples: wholeNumber(1, 64).default(DEFAULTS.firstTokenDeadline.minSamples),
  }),
]);
