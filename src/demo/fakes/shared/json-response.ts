/**
 * JSON bodies for the fakes.
 *
 *   sendJson(res, status, body, headers?)   immediate, complete response with content-length
 *   sendJsonPaced(res, status, body, { delayMs, signal, cutHalfway, headers })
 *     → Promise<'completed' | 'aborted' | 'cut'>
 *     Waits delayMs (a non-streamed answer arrives when generation is done), then sends it.
 *     cutHalfway sends the headers (with the full content-length) and half the body, then closes
 *     the connection: the client's body read fails, as when an upstream dies mid-response.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sleep } from './abortable-sleep.ts';
import { closeConnection } from './deliberate-destroy.ts';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

export interface SendJsonPacedOptions {
  delayMs?: number;
  signal?: AbortSignal;
  cutHalfway?: boolean;
  headers?: OutgoingHttpHeaders;
}

export async function sendJsonPaced(
  res: ServerResponse,
  status: number,
  body: unknown,
  options: SendJsonPacedOptions = {},
): Promise<'completed' | 'aborted' | 'cut'> {
  if (!(await sleep(options.delayMs ?? 0, options.signal)) || res.destroyed) return 'aborted';
  if (options.cutHalfway !== true) {
    sendJson(res, status, body, options.headers);
    return 'completed';
  }
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    ...options.headers,
    'content-length': bytes.length,
  });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  await new Promise<void>((resolve) => setImmediate(resolve));
  closeConnection(res);
  return 'cut';
}
