/**
 * Faults that replace the whole answer, applied before a fake renders its reply.
 *
 *   applyEarlyFault(res, script, { streaming, errorFor, signal, headers }) → Promise<boolean>
 *     true when the fault took the response over and the handler must stop:
 *       reset         → after firstByteMs, TCP reset with no response byte
 *       stall         → nothing, until the client (or stop()) goes away
 *       stall-after-headers → after firstByteMs, a 200's headers (SSE or JSON), then nothing until
 *                       the client goes away
 *       status        → after firstByteMs, that status with fault.body, or errorFor(status) — the
 *                       provider's own error body —, plus retry-after when retryAfterSeconds is set
 *       stream-error  → on a non-streamed request: as status (fault.status ?? 500)
 *     false for no fault, cut and stream-error on a stream: the handler applies those while it
 *     answers (sendJsonPaced's cutHalfway, writeEvents' destroyAfterEvents).
 *
 *   ProviderErrorFactory: (status, retryAfterSeconds?) → { body, headers? }, given by each fake,
 *   so a 429 from the fake OpenAI looks like OpenAI's and one from the fake Anthropic like Anthropic's.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sleep, untilAborted } from './abortable-sleep.ts';
import { resetConnection } from './deliberate-destroy.ts';
import { sendJson } from './json-response.ts';
import type { ResolvedScript } from './script.ts';

export interface ProviderError {
  body: unknown;
  headers?: Record<string, string>;
}

export type ProviderErrorFactory = (status: number, retryAfterSeconds?: number) => ProviderError;

export interface EarlyFaultOptions {
  streaming: boolean;
  errorFor: ProviderErrorFactory;
  signal: AbortSignal;
  /** Headers every response of this provider carries (request id…), added to status faults. */
  headers?: OutgoingHttpHeaders;
}

export async function applyEarlyFault(
  res: ServerResponse,
  script: ResolvedScript,
  options: EarlyFaultOptions,
): Promise<boolean> {
  const fault = script.fault;
  if (fault === undefined || fault.kind === 'cut') return false;
  // Mid-stream faults; on a non-streamed answer they are not faults at all.
  if (fault.kind === 'stall-mid-stream' || fault.kind === 'malformed' || fault.kind === 'no-done')
    return false;
  if (fault.kind === 'stream-error' && options.streaming) return false;
  if (fault.kind === 'stall') {
    await untilAborted(options.signal);
    return true;
  }
  if (!(await sleep(script.firstByteMs, options.signal))) return true;
  if (fault.kind === 'stall-after-headers') {
    res.writeHead(200, {
      ...options.headers,
      'content-type': options.streaming ? 'text/event-stream' : 'application/json',
    });
    res.flushHeaders();
    await untilAborted(options.signal);
    return true;
  }
  if (fault.kind === 'reset') {
    resetConnection(res);
    return true;
  }
  const status = fault.kind === 'status' ? fault.status : (fault.status ?? 500);
  const retryAfterSeconds = fault.kind === 'status' ? fault.retryAfterSeconds : undefined;
  const standard = options.errorFor(status, retryAfterSeconds);
  const headers: OutgoingHttpHeaders = { ...options.headers, ...standard.headers };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const body = fault.kind === 'status' && fault.body !== undefined ? fault.body : standard.body;
  sendJson(res, status, body, { ...headers, ...(fault.kind === 'status' ? fault.headers : undefined) });
  return true;
}
