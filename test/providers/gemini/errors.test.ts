import { describe, expect, it } from 'vitest';
import { classifyGeminiError } from '../../../src/providers/gemini/errors.ts';
import { fixtures } from '../../helpers/stream-harness.ts';

const fixture = fixtures('gemini');

const status = (code: number, rpc: string, message: string, details: unknown[] = []) =>
  JSON.stringify({ error: { code, message, status: rpc, details } });

describe('classifyGeminiError', () => {
  it('recorded 429 RESOURCE_EXHAUSTED → rate_limited with RetryInfo 34.4s as retryAfterMs', () => {
    expect(classifyGeminiError(429, {}, fixture.text('rate-limit-429.json'))).toEqual({
      errorClass: 'rate_limited',
      status: 429,
      message: 'You exceeded your current quota, please check your plan.',
      code: 'RESOURCE_EXHAUSTED',
      param: null,
      retryAfterMs: 34400,
    });
  });

  const table: Array<[string, number, string, string, unknown[], string]> = [
    [
      '429 with a whole-second delay',
      429,
      'RESOURCE_EXHAUSTED',
      'Resource has been exhausted (e.g. check quota).',
      [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '13s' }],
      'rate_limited',
    ],
    [
      '503 overloaded',
      503,
      'UNAVAILABLE',
      'The model is overloaded. Please try again later.',
      [],
      'overloaded',
    ],
    ['500 internal', 500, 'INTERNAL', 'An internal error has occurred.', [], 'server'],
    [
      '504 deadline',
      504,
      'DEADLINE_EXCEEDED',
      'Deadline expired before operation could complete.',
      [],
      'timeout',
    ],
    [
      '400 invalid argument',
      400,
      'INVALID_ARGUMENT',
      'Invalid JSON payload received. Unknown name "foo": Cannot find field.',
      [],
      'bad_request',
    ],
    [
      '400 context length',
      400,
      'INVALID_ARGUMENT',
      'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
      [],
      'context_length',
    ],
    [
      '400 invalid key',
      400,
      'INVALID_ARGUMENT',
      'API key not valid. Please pass a valid API key.',
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
        },
      ],
      'auth',
    ],
    [
      '400 invalid key, reason only',
      400,
      'INVALID_ARGUMENT',
      'Request rejected.',
      [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      'auth',
    ],
    [
      '400 failed precondition (billing, region)',
      400,
      'FAILED_PRECONDITION',
      'User location is not supported for the API use.',
      [],
      'auth',
    ],
    [
      '403 permission denied',
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers.",
      [],
      'bad_request', // issue 10: the request's answer, no evidence against the key
    ],
    [
      '401 unauthenticated',
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials.',
      [],
      'auth',
    ],
    [
      '404 unknown model',
      404,
      'NOT_FOUND',
      'models/gemini-9 is not found for API version v1beta.',
      [],
      'bad_request',
    ],
    ['an unknown status falls back to the HTTP status', 502, 'SOMETHING_NEW', 'Bad gateway', [], 'server'],
  ];
  for (const [name, http, rpc, message, details, expected] of table) {
    it(`${name} → ${expected}`, () => {
      const failure = classifyGeminiError(http, {}, status(http, rpc, message, details));
      expect(failure).toMatchObject({ errorClass: expected, status: http, code: rpc, message });
    });
  }

  it('parses the RetryInfo duration exactly ("13s" → 13000)', () => {
    const body = status(429, 'RESOURCE_EXHAUSTED', 'quota', [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '13s' },
    ]);
    expect(classifyGeminiError(429, {}, body).retryAfterMs).toBe(13000);
  });

  it('falls back to a retry-after header when the body has no RetryInfo', () => {
    expect(
      classifyGeminiError(429, { 'retry-after': '7' }, status(429, 'RESOURCE_EXHAUSTED', 'quota'))
        .retryAfterMs,
    ).toBe(7000);
    expect(
      classifyGeminiError(429, {}, status(429, 'RESOURCE_EXHAUSTED', 'quota')).retryAfterMs,
    ).toBeUndefined();
  });

  it('reads the array-wrapped form of the non-SSE stream endpoint', () => {
    const body = `[${status(503, 'UNAVAILABLE', 'The model is overloaded.')}]`;
    expect(classifyGeminiError(503, {}, body)).toMatchObject({
      errorClass: 'overloaded',
      code: 'UNAVAILABLE',
    });
  });

  it('a body that is not JSON is classified by status with a short safe message', () => {
    expect(classifyGeminiError(502, {}, '<html><body>Bad Gateway</body></html>')).toMatchObject({
      errorClass: 'server',
      message: 'gemini returned HTTP 502',
      code: null,
    });
    expect(classifyGeminiError(429, {}, 'Too many requests')).toMatchObject({
      errorClass: 'rate_limited',
      message: 'gemini returned 429: Too many requests',
    });
  });
});
