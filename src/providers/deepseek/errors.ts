/**
 * DeepSeek error classification (docs/providers.md §5.4). The body is OpenAI's envelope, but DeepSeek
 * often puts `invalid_request_error` in `code` and `unknown_error` in `type`, so the status code and
 * the message carry most of the meaning. No rate-limit headers are documented; a `retry-after` is
 * honoured when one comes.
 */
import { classifyStatus, failure } from '../shared/error-class.ts';
import {
  type DialectErrorFields,
  readDialectError,
  readDialectErrorValue,
} from '../shared/openai-dialect/errors.ts';
import type { HeaderBag } from '../shared/retry-after.ts';
import type { ErrorClass, UpstreamFailure } from '../types.ts';

interface Row {
  test: (status: number, error: DialectErrorFields) => boolean;
  errorClass: ErrorClass;
}

/** First match wins; the status table decides the rest. */
const ROWS: readonly Row[] = [
  // DeepSeek: 400 "This model's maximum context length is 131072 tokens. However, you requested …".
  {
    test: (s, e) => s === 400 && /maximum context length|context length|too many tokens/i.test(e.message),
    errorClass: 'context_length',
  },
  // DeepSeek: 400 "Content Exists Risk", its moderation refusing the prompt.
  { test: (s, e) => s === 400 && /content exists risk/i.test(e.message), errorClass: 'content_filter' },
  // DeepSeek: 402 "Insufficient Balance": an account problem that waiting never fixes, like a bad key.
  { test: (s) => s === 402, errorClass: 'auth' },
  // DeepSeek: 422 "Invalid Parameters" — the request, not the server.
  { test: (s) => s === 422, errorClass: 'bad_request' },
  // DeepSeek: 503 "Server overloaded, please try again later." — also seen inside a 200 stream.
  { test: (s, e) => s === 503 || /server overloaded/i.test(e.message), errorClass: 'overloaded' },
];

export function classifyDeepSeekError(status: number, headers: HeaderBag, bodyText: string): UpstreamFailure {
  const error = readDialectError('deepseek', status, bodyText);
  return failure(deepSeekErrorClass(status, error), status, error.message, headers, {
    code: error.code,
    param: error.param,
  });
}

export function deepSeekErrorClass(status: number, error: DialectErrorFields): ErrorClass {
  for (const row of ROWS) if (row.test(status, error)) return row.errorClass;
  return classifyStatus(status);
}

/** `data: {"error":{…}}` inside a 200 stream: DeepSeek failed after it started answering. */
export function deepSeekInBandFailure(parsed: Record<string, unknown>): UpstreamFailure | undefined {
  if (parsed.error === undefined || parsed.error === null) return undefined;
  const error = readDialectErrorValue('deepseek', 200, parsed);
  // A failure after the 200 went out is the server's, whatever the body's code says (status 500 row).
  const errorClass = /rate limit/i.test(error.message) ? 'rate_limited' : deepSeekErrorClass(500, error);
  return {
    errorClass,
    status: 200,
    message: error.message,
    code: error.code,
    param: error.param,
    retryAfterMs: undefined,
  };
}
