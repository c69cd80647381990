// The `batch` section (docs/design.md §1): how the aggregator queues batch lines and flushes them into
// the providers' batch APIs, where uploaded files live and how large they may be.

import { z } from 'zod';
import { fromNumericString, MIB, wholeNumber } from './values.ts';

const seconds = (min: number, max: number) => z.preprocess(fromNumericString, z.number().min(min).max(max));

const flushSettings = {
  // A provider batch is sent when this much time passed since its oldest line was queued…
  flush_interval_s: seconds(0.01, 86_400).optional(),
  // …or when this many lines wait for the same provider and model (OpenAI takes 50,000 per batch).
  max_batch_size: wholeNumber(1, 50_000).optional(),
};

export const batchSection = z
  .strictObject({
    flush_interval_s: seconds(0.01, 86_400).default(60),
    max_batch_size: wholeNumber(1, 50_000).default(1000),
    // Per `provider/model` (the target) overrides of the two settings above.
    models: z.record(z.string().min(1), z.strictObject(flushSettings)).default(() => ({})),
    // Uploaded and generated JSONL files, one file each; relative to the process cwd.
    files_dir: z.string().min(1).default('./data/files'),
    // An upload larger than this is refused with 413 (OpenAI's own cap is 200 MB).
    max_file_bytes: wholeNumber(1, 2048 * MIB).default(200 * MIB),
    // Lines per input file (OpenAI's cap).
    max_lines: wholeNumber(1, 1_000_000).default(50_000),
    // First wait before polling a provider batch; each further poll waits 1.5× longer, up to the max.
    poll_interval_s: seconds(0.01, 86_400).default(30),
    max_poll_interval_s: seconds(0.01, 86_400).default(600),
    // Targets without a batch API get their lines through the live path, this many at a time.
    live_concurrency: wholeNumber(1, 256).default(4),
  })
  .prefault({});

export type BatchConfig = z.output<typeof batchSection>;
