/**
 * The pricing webhook's body (docs/design.md §3):
 * `{"models":{name:{input,output,cached_input?,cache_write_input?,cache_write_1h_input?,batch_discount?}}}`,
 * USD per 1M tokens, `name` being `model` or `provider/model` as in `pricing.models`. Parsed from the raw
 * bytes the signature was checked over. Unknown fields are refused rather than ignored, so a sender's
 * typo (`cache_input`) is a 400 naming it, not a price silently left as it was.
 */
import { z } from 'zod';
import type { PriceOverride } from '../store/types.ts';
import { priceInputSchema } from './price-input.ts';

/** A generous bound: every provider's catalogue together is a few hundred models. */
export const MAX_WEBHOOK_MODELS = 10_000;
const MAX_NAME_LENGTH = 256;

const bodySchema = z.strictObject({
  models: z
    .record(z.string().min(1, 'model names must not be empty').max(MAX_NAME_LENGTH), priceInputSchema)
    .refine((models) => Object.keys(models).length <= MAX_WEBHOOK_MODELS, {
      message: `at most ${MAX_WEBHOOK_MODELS} models per request`,
    }),
});

export type PricingBodyResult =
  | { ok: true; overrides: PriceOverride[] }
  | { ok: false; message: string; param: string | null };

export function parsePricingBody(raw: Uint8Array | string, nowMs: number): PricingBodyResult {
  let json: unknown;
  try {
    json = JSON.parse(
      typeof raw === 'string'
        ? raw
        : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'),
    );
  } catch (error) {
    // A parse failure is the sender's fault; its message (position, token) is all the caller needs.
    return { ok: false, message: `The body is not valid JSON: ${(error as Error).message}`, param: null };
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue === undefined ? null : formatPath(issue.path);
    return { ok: false, message: `${param ?? 'body'}: ${issue?.message ?? 'invalid'}`, param };
  }
  const overrides: PriceOverride[] = [];
  for (const [name, price] of Object.entries(parsed.data.models)) {
    overrides.push({
      name,
      input: price.input,
      output: price.output,
      cachedInput: price.cached_input ?? null,
      cacheWriteInput: price.cache_write_input ?? null,
      cacheWrite1hInput: price.cache_write_1h_input ?? null,
      batchDiscount: price.batch_discount ?? null,
      updatedAt: nowMs,
    });
  }
  return { ok: true, overrides };
}

/** `models["gpt-4.1"].input`: model names contain dots and slashes, so they are always quoted. */
function formatPath(path: ReadonlyArray<PropertyKey>): string | null {
  if (path.length === 0) return null;
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (out === '') out += String(key);
    else if (out === 'models' && typeof key === 'string') out += `[${JSON.stringify(key)}]`;
    else out += `.${String(key)}`;
  }
  return out;
}
