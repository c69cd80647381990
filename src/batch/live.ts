/**
 * Lines for a target without a batch API go through the live call, a few at a time (`batch.live_concurrency`),
 * paced under the provider's rate limits: a 429 waits the provider's retry-after (or a growing backoff)
 * and tries the same line again; a 5xx, timeout or network failure gets a few tries. Results come
 * out in the same shape as a provider batch's, so the rest of the aggregator treats them alike.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BatchLineRecord } from '../store/batch-types.ts';
import type { UpstreamRequest } from '../providers/types.ts';
import { type ResolvedTarget, upstreamCustomId, upstreamRequest } from './target.ts';
import { callText } from './upstream-http.ts';
import type { UpstreamResult } from './upstream.ts';
import { errorBody } from './objects.ts';

const MAX_RATE_LIMIT_WAITS = 8;
const MAX_FAILURE_TRIES = 3;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 60_000;

export async function runLive(
  target: ResolvedTarget,
  lines: readonly BatchLineRecord[],
  concurrency: number,
  stopped: () => boolean,
  /** Each result as it comes, so the caller can record answers before the whole run ends. */
  onResult?: (result: UpstreamResult) => void,
): Promise<UpstreamResult[]> {
  const results: UpstreamResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lines.length && !stopped()) {
      const line = lines[next++] as BatchLineRecord;
      const result = await sendOne(target, line, stopped);
      results.push(result);
      onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, lines.length) }, worker));
  return results;
}

async function sendOne(
  target: ResolvedTarget,
  line: BatchLineRecord,
  stopped: () => boolean,
): Promise<UpstreamResult> {
  const customId = upstreamCustomId(line.id);
  let request: UpstreamRequest;
  try {
    request = upstreamRequest(target, line.request ?? '{}').upstream;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return {
      customId,
      kind: 'http_error',
      statusCode: error.status,
      body: errorBody(error.message, error.type, error.code, error.param),
      requestId: '',
      retryable: false,
    };
  }
  const adapter = target.provider.adapter;
  let rateLimitWaits = 0;
  let failures = 0;
  for (;;) {
    if (stopped())
      return { customId, kind: 'no_response', code: 'shutting_down', message: 'the gateway stopped' };
    let answer: Awaited<ReturnType<typeof callText>>;
    try {
      answer = await callText(target.provider, request);
    } catch (error) {
      if (++failures >= MAX_FAILURE_TRIES)
        return {
          customId,
          kind: 'no_response',
          code: 'upstream_unreachable',
          message: (error as Error).message,
        };
      await sleep(backoff(failures));
      continue;
    }
    const requestId =
      headerValue(answer.headers['x-request-id']) ?? headerValue(answer.headers['request-id']) ?? '';
    if (answer.status >= 200 && answer.status < 300)
      return { customId, kind: 'ok', bodyText: answer.text, requestId };
    const failure = adapter.classifyError(answer.status, answer.headers, answer.text);
    if (failure.errorClass === 'rate_limited' && ++rateLimitWaits <= MAX_RATE_LIMIT_WAITS) {
      await sleep(Math.min(MAX_BACKOFF_MS, failure.retryAfterMs ?? backoff(rateLimitWaits)));
      continue;
    }
    const transient =
      failure.errorClass === 'overloaded' ||
      failure.errorClass === 'server' ||
      failure.errorClass === 'timeout';
    if (transient && ++failures < MAX_FAILURE_TRIES) {
      await sleep(Math.min(MAX_BACKOFF_MS, failure.retryAfterMs ?? backoff(failures)));
      continue;
    }
    return {
      customId,
      kind: 'http_error',
      statusCode: failure.status,
      body: errorBody(
        failure.message,
        failure.status === 429
          ? 'rate_limit_error'
          : failure.status >= 500
            ? 'server_error'
            : 'invalid_request_error',
        failure.code,
        failure.param,
      ),
      requestId,
      retryable: failure.status === 429 || failure.status >= 500,
    };
  }
}

function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
