/**
 * Reads a request body with a hard size limit. A declared content-length over the limit is refused
 * before a byte is read; a body that grows past it mid-stream is refused as soon as it does, so an
 * oversized upload costs us at most `limitBytes` of memory.
 *
 * A compressed body (`content-encoding: gzip`, `deflate` or `br`) is decompressed as it arrives and the
 * limit applies to the decompressed bytes: a few kilobytes of gzip can expand to gigabytes (a zip
 * bomb), so the decompressor is stopped the moment its output passes the limit. Any other encoding is
 * refused with 415 rather than read as JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { bodyTooLarge, malformedCompressedBody, unsupportedContentEncoding } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { refusalSentOn } from './client-error.ts';

/**
 * The connection closed before the whole body arrived: nobody is left to answer. Either the client
 * left, or Node cut the upload (a 408 for an overdue body, a 400 for broken chunked framing) and
 * client-error.ts already wrote `refusal` to the socket.
 */
export class UploadAbortedError extends Error {
  readonly refusal: GatewayError | undefined;

  constructor(refusal: GatewayError | undefined, cause?: unknown) {
    super(
      refusal === undefined ? 'the client closed the connection mid-upload' : refusal.message,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'UploadAbortedError';
    this.refusal = refusal;
  }
}

const decompressors: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  // RFC 9110 §8.4.1.3: the legacy alias.
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(bodyTooLarge(limitBytes));
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined) return collect(req, undefined, limitBytes, undefined);
  const name = encoding.trim().toLowerCase();
  if (name === '' || name === 'identity') return collect(req, undefined, limitBytes, undefined);
  const create = Object.hasOwn(decompressors, name) ? decompressors[name] : undefined;
  if (create === undefined) return Promise.reject(unsupportedContentEncoding(encoding));
  const decoder = create();
  req.pipe(decoder);
  return collect(req, decoder, limitBytes, name);
}

/**
 * Buffers the request, or the decompressor it is piped into, up to `limitBytes`.
 * The request is watched in both cases: a client that leaves mid-upload rejects with
 * UploadAbortedError, never with an error that reads as ours.
 */
function collect(
  req: IncomingMessage,
  decoder: Transform | undefined,
  limitBytes: number,
  encoding: string | undefined,
): Promise<Buffer> {
  const source = decoder ?? req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (error === undefined) {
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
        return;
      }
      if (decoder !== undefined) {
        req.unpipe(decoder);
        // The outcome is decided; a late error from the abandoned decompressor changes nothing.
        decoder.on('error', ignore);
        decoder.destroy();
      }
      // Stop buffering; after a 413 the connection is closed once the answer is written (respond.ts).
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        settle(bodyTooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle(undefined);
    // The socket died (ECONNRESET "aborted"), by the client's doing or Node's.
    const onRequestError = (error: Error) => settle(new UploadAbortedError(refusalSentOn(req.socket), error));
    // Node emits 'close' without 'error' for some aborts; a request closed before it completed is one.
    const onRequestClose = () => {
      if (!req.complete) settle(new UploadAbortedError(refusalSentOn(req.socket)));
    };
    const onDecodeError = () => settle(malformedCompressedBody(encoding ?? 'compressed'));
    const cleanup = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      req.off('error', onRequestError);
      req.off('close', onRequestClose);
      decoder?.off('error', onDecodeError);
    };
    source.on('data', onData);
    source.on('end', onEnd);
    req.on('error', onRequestError);
    req.on('close', onRequestClose);
    decoder?.on('error', onDecodeError);
  });
}

function ignore(): void {}
