import { describe, expect, it } from 'vitest';
import {
  classifyAnthropicError,
  failureFromAnthropicStreamError,
} from '../../../src/providers/anthropic/errors.ts';

function body(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011CSH' });
}

describe('classifyAnthropicError', () => {
  it.each([
    [400, 'invalid_request_error', 'messages: roles must alternate', 'bad_request'],
    [400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum', 'context_length'],
    [
      400,
      'invalid_request_error',
      'input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000',
      'context_length',
    ],
    [400, 'invalid_request_error', 'Output blocked by content filtering policy', 'content_filter'],
    [400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API.', 'auth'],
    [401, 'authentication_error', 'invalid x-api-key', 'auth'],
    [402, 'billing_error', 'billing problem', 'auth'],
    // Issue 10: a 403 is about what the request asked for, not the key: passed through, key untouched.
    [403, 'permission_error', 'not allowed', 'bad_request'],
    [404, 'not_found_error', 'model: claude-nope', 'bad_request'],
    [413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.', 'bad_request'],
    [
      429,
      'rate_limit_error',
      'Number of request tokens has exceeded your per-minute rate limit',
      'rate_limited',
    ],
    [500, 'api_error', 'Internal server error', 'server'],
    [504, 'timeout_error', 'Request timed out', 'timeout'],
    [529, 'overloaded_error', 'Overloaded', 'overloaded'],
    [503, 'some_new_error', 'later', 'overloaded'],
  ])('%i %s (%s) → %s', (status, type, message, errorClass) => {
    const failure = classifyAnthropicError(status, {}, body(type, message));
    expect(failure).toMatchObject({ errorClass, status, message, code: type });
  });

  it('falls back to the status for a body that is not Anthropic JSON (a CDN page)', () => {
    expect(classifyAnthropicError(502, {}, '<html><body>Bad gateway</body></html>')).toMatchObject({
      errorClass: 'server',
      message: 'anthropic returned HTTP 502',
      code: null,
    });
    expect(classifyAnthropicError(413, {}, 'Request Entity Too Large')).toMatchObject({
      errorClass: 'bad_request',
    });
  });

  it('names the param Anthropic puts first in its message', () => {
    expect(
      classifyAnthropicError(400, {}, body('invalid_request_error', 'max_tokens: Field required')).param,
    ).toBe('max_tokens');
    expect(
      classifyAnthropicError(
        400,
        {},
        body('invalid_request_error', 'messages.1.content.0.text: must be non-empty'),
      ).param,
    ).toBe('messages.1.content.0.text');
    expect(classifyAnthropicError(400, {}, body('invalid_request_error', 'Something else')).param).toBeNull();
  });

  it('reads retry-after on a 429', () => {
    const failure = classifyAnthropicError(
      429,
      { 'retry-after': '7' },
      body('rate_limit_error', 'slow down'),
    );
    expect(failure.retryAfterMs).toBe(7000);
  });

  it('without retry-after, waits for the exhausted dimension to reset, measured from the date header', () => {
    const headers = {
      date: 'Thu, 21 Aug 2025 12:40:00 GMT',
      'anthropic-ratelimit-requests-remaining': '12',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:05Z',
      'anthropic-ratelimit-output-tokens-remaining': '0',
      'anthropic-ratelimit-output-tokens-reset': '2025-08-21T12:40:30Z',
    };
    expect(classifyAnthropicError(429, headers, body('rate_limit_error', 'OTPM')).retryAfterMs).toBe(30_000);
  });

  it('has no retry-after for a 529 without headers', () => {
    expect(
      classifyAnthropicError(529, {}, body('overloaded_error', 'Overloaded')).retryAfterMs,
    ).toBeUndefined();
  });
});

describe('failureFromAnthropicStreamError', () => {
  it.each([
    ['overloaded_error', 'overloaded', 529],
    ['api_error', 'server', 500],
    ['rate_limit_error', 'rate_limited', 429],
    ['invalid_request_error', 'bad_request', 400],
    ['mystery_error', 'server', 500],
  ])('%s → %s (%i)', (type, errorClass, status) => {
    expect(failureFromAnthropicStreamError(body(type, 'boom'))).toEqual({
      errorClass,
      status,
      message: 'boom',
      code: type,
      param: null,
      retryAfterMs: undefined,
    });
  });

  it('copes with an error event that is not JSON', () => {
    expect(failureFromAnthropicStreamError('oops')).toMatchObject({
      errorClass: 'server',
      status: 500,
      code: null,
    });
  });
});
