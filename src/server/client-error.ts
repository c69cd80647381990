/**
 * Requests Node refuses before any handler runs: an upload that outlived `server.request_timeout_ms`
 * (408), oversized headers (431), bytes that are not HTTP (400). Node's own answer has no body; ours is
 * OpenAI's envelope, so even these failures read like every other error. As in Node's default handler, a
 * socket that already carried a response is only closed: a status line written into the middle of a
 * keep-alive exchange would corrupt it.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { headersTooLarge, malformedHttp, requestTimedOut } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';

/** The refusal written on each socket, so a handler still reading that request can log what it got. */
const refusals = new WeakMap<object, GatewayError>();

export function refusalSentOn(socket: object | null): GatewayError | undefined {
  return socket === null ? undefined : refusals.get(socket);
}

export function answerClientError(error: Error, socket: Duplex, requestTimeoutMs: number): void {
  const code = (error as NodeJS.ErrnoException).code;
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  // HPE_INVALID_EOF_STATE: the client closed its side mid-request (it left mid-upload); there is no
  // malformed request to answer, and the handler reading the body logs a 499.
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable || written > 0) {
    socket.destroy();
    return;
  }
  const refusal: GatewayError =
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? requestTimedOut(requestTimeoutMs)
      : code === 'HPE_HEADER_OVERFLOW'
        ? headersTooLarge()
        : malformedHttp();
  const body = JSON.stringify(refusal.toEnvelope());
  refusals.set(socket, refusal);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'connection: close\r\ncontent-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
