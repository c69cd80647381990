// Value schemas shared by several sections: numbers that may arrive as
// strings, timeouts, secrets, URLs, model names and header maps, plus the
// name patterns and string predicates the cross-section rules reuse.

import { z } from 'zod';

// Names appear in "provider/model", so they cannot contain a slash.
export const PROVIDER_NAME = /^[A-Za-z0-9_-]+$/;
export const NO_WHITESPACE = /^\S+$/;
// RFC 9110 token characters.
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NUMERIC_STRING = /^\s*\d+(\.\d+)?\s*$/;

// Node's timers overflow above 2^31-1 ms and then fire after 1 ms, so a
// larger timeout would behave as almost no timeout at all.
export const MAX_TIMER_MS = 2_147_483_647;
export const MIB = 1024 * 1024;

// Headers the transport owns; overriding them would break framing or routing.
const GATEWAY_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
]);

// `${PORT:-8787}` substitutes to a string, so numeric settings accept digits.
export function fromNumericString(value: unknown): unknown {
  return typeof value === 'string' && NUMERIC_STRING.test(value) ? Number(value) : value;
}

export function wholeNumber(min: number, max: number) {
  return z.preprocess(fromNumericString, z.int().min(min).max(max));
}

export const milliseconds = wholeNumber(1, MAX_TIMER_MS);
export const positiveNumber = z.preprocess(fromNumericString, z.number().positive());
export const ratio = z.preprocess(fromNumericString, z.number().min(0).max(1));
export const count = wholeNumber(1, Number.MAX_SAFE_INTEGER);

// An API key or virtual key. Surrounding whitespace is nearly always a stray
// newline from the file or variable it came from, and would fail as a 401.
export const secret = z
  .string()
  .min(1)
  .refine((value) => value.trim() === value, {
    message: 'has leading or trailing whitespace (often a newline from the file or variable it came from)',
  });

export const baseUrl = z
  .string()
  .refine(isHttpUrl, { message: 'must be an http:// or https:// URL with no query or fragment' })
  // Adapters append their own paths ({base_url}/chat/completions).
  .transform((value) => value.replace(/\/+$/, ''));

export const modelName = z
  .string()
  .regex(NO_WHITESPACE, { message: 'must not be empty or contain whitespace' });

// Every check in one refinement: zod skips a record's refinement once one of its names or values is
// invalid, and `check` must report every problem at once (a bad name hid a forbidden or repeated one).
export const headers = z.record(z.string(), z.string()).superRefine((record, ctx) => {
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(record)) {
    const lower = name.toLowerCase();
    if (/[\r\n\0]/.test(value))
      ctx.addIssue({ code: 'custom', path: [name], message: 'must not contain line breaks' });
    if (!HEADER_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid HTTP header name' });
    } else if (GATEWAY_HEADERS.has(lower)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'is set by the gateway and cannot be configured',
      });
    } else if (seen.has(lower)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'repeats a header already set (names ignore case)',
      });
    }
    seen.add(lower);
  }
});

/** "provider/model": split at the first slash, since model ids may contain slashes themselves. */
export function isTargetString(value: string): boolean {
  const slash = value.indexOf('/');
  return slash > 0 && PROVIDER_NAME.test(value.slice(0, slash)) && NO_WHITESPACE.test(value.slice(slash + 1));
}

function isHttpUrl(value: string): boolean {
  if (!isUrl(value, ['http:', 'https:'])) return false;
  const url = new URL(value);
  return url.search === '' && url.hash === '' && !value.includes('?') && !value.includes('#');
}

export function isUrl(value: string, protocols: readonly string[]): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return protocols.includes(url.protocol) && url.host !== '';
}
