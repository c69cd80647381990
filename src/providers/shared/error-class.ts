/**
 * The status-code half of error classification that every provider shares. Each provider's
 * `classify…Error` reads its own body first (error types, context-length wording, content filters)
 * and falls back to this table for what the status alone says.
 */
import type { ErrorClass, UpstreamFailure } from '../types.ts';
import { type HeaderBag, parseRetryAfterMs } from './retry-after.ts';

export function classifyStatus(status: number): ErrorClass {
  if (status === 429) return 'rate_limited';
  // 529 is Anthropic's global overload; 503 is "engine overloaded" at OpenAI, DeepSeek and Gemini.
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408 || status === 504) return 'timeout';
  // 401 (the key is not valid) and 402 (the account cannot pay) say something about our key. 403 says
  // this request may not have what it asked for (a model, a file, a region): the client's answer, and no
  // evidence against the key (issue 10), so it falls to bad_request below and is passed through.
  if (status === 401 || status === 402) return 'auth';
  // 409 is a conflict the official SDKs retry; treat it as a transient server condition.
  if (status === 409 || status >= 500) return 'server';
  return 'bad_request';
}

/** Parse an error body that should be JSON; providers behind CDNs sometimes answer HTML or text. */
export function parseErrorBody(bodyText: string): unknown {
  if (bodyText.length === 0) return undefined;
  try {
    return JSON.parse(bodyText);
  } catch {
    return undefined; // not JSON: the caller falls back to the raw text as the message
  }
}

export function failure(
  errorClass: ErrorClass,
  status: number,
  message: string,
  headers: HeaderBag,
  extra?: { code?: string | null; param?: string | null; retryAfterMs?: number },
): UpstreamFailure {
  return {
    errorClass,
    status,
    message,
    code: extra?.code ?? null,
    param: extra?.param ?? null,
    retryAfterMs: extra?.retryAfterMs ?? parseRetryAfterMs(headers),
  };
}

/** A short, safe message when the upstream gave none (an HTML 502 page is no use to a client). */
export function fallbackMessage(provider: string, status: number, bodyText: string): string {
  const text = bodyText.trim();
  if (text.length > 0 && text.length <= 300 && !text.startsWith('<'))
    return `${provider} returned ${status}: ${text}`;
  return `${provider} returned HTTP ${status}`;
}
