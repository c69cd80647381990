/**
 * Server-sent events for the fakes.
 *
 *   sseFrame(data, { event?, eol? }): string
 *     One SSE record: optional `event:` line, one `data:` line (objects are JSON-encoded), blank
 *     line. eol '\r\n' gives Gemini's CRLF framing.
 *
 *   writeEvents(res, events, { firstByteMs, tokenIntervalMs, signal, destroyAfterEvents, status, headers })
 *     → Promise<'completed' | 'aborted' | 'cut'>
 *     `events` are written as given, so any framing works (SSE records from sseFrame, or the
 *     pieces of Gemini's streamed JSON array).
 *     Waits firstByteMs, sends the status line and headers together with the first event (as a
 *     real model server does: headers come when the first token is ready), then one event per
 *     tokenIntervalMs (a number, or a function drawing each interval). Stops at once when `signal`
 *     aborts (client gone): 'aborted'. destroyAfterEvents = N closes the connection after N events
 *     without ending the response: 'cut'. holdOpen leaves the response open after the last event until
 *     the client goes away (a stall mid-stream): 'aborted'. Otherwise ends the response: 'completed'.
 *     Honours back-pressure; never throws for a vanished client.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sleep, untilAborted } from './abortable-sleep.ts';
import { closeConnection } from './deliberate-destroy.ts';

export interface SseFrameOptions {
  event?: string;
  eol?: '\n' | '\r\n';
}

export function sseFrame(data: unknown, options: SseFrameOptions = {}): string {
  const eol = options.eol ?? '\n';
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  const event = options.event === undefined ? '' : `event: ${options.event}${eol}`;
  return `${event}data: ${payload}${eol}${eol}`;
}

export interface WriteEventsOptions {
  firstByteMs?: number;
  tokenIntervalMs?: number | (() => number);
  signal?: AbortSignal;
  destroyAfterEvents?: number;
  holdOpen?: boolean;
  status?: number;
  headers?: OutgoingHttpHeaders;
}

export type WriteEventsResult = 'completed' | 'aborted' | 'cut';

export async function writeEvents(
  res: ServerResponse,
  events: readonly string[],
  options: WriteEventsOptions = {},
): Promise<WriteEventsResult> {
  const { signal } = options;
  const interval = options.tokenIntervalMs ?? 0;
  const nextInterval = typeof interval === 'number' ? () => interval : interval;
  if (!(await sleep(options.firstByteMs ?? 0, signal)) || res.destroyed) return 'aborted';
  if (!res.headersSent) res.writeHead(options.status ?? 200, options.headers);

  for (let i = 0; i < events.length; i++) {
    if (i > 0 && !(await sleep(nextInterval(), signal))) return 'aborted';
    if (res.destroyed) return 'aborted';
    if (options.destroyAfterEvents !== undefined && i >= options.destroyAfterEvents) {
      await flushThenClose(res);
      return 'cut';
    }
    if (!res.write(events[i]) && !(await drained(res))) return 'aborted';
  }
  if (options.destroyAfterEvents !== undefined && options.destroyAfterEvents >= events.length) {
    await flushThenClose(res);
    return 'cut';
  }
  if (options.holdOpen === true && signal !== undefined) {
    await untilAborted(signal);
    return 'aborted';
  }
  res.end();
  return 'completed';
}

function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

// A turn of the event loop lets node:http uncork what was written, so the cut lands after
// exactly N events rather than somewhere inside them (closeConnection then flushes and closes).
function flushThenClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(() => {
      closeConnection(res);
      resolve();
    });
  });
}
