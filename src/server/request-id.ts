import { randomFillSync } from 'node:crypto';

// A caller's own id is kept so one id follows a request across its systems; anything odd is replaced
// rather than echoed, since it lands in our logs and response headers.
const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

const ID_BYTES = 16;
// Entropy fetched 256 ids at a time: randomUUID and the dash removal cost ~4× a slice of this pool.
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

function randomHex(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return hex;
}

export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && acceptableId.test(incoming)) return incoming;
  return `req_${randomHex()}`;
}

/**
 * The `chatcmpl-…` id of a completion, unique per request. When we generated the request id, the
 * completion shares its random part, so either finds the other. A client's own `x-request-id` is only
 * correlation: two requests may carry the same one, and their completions must still differ (issue 10),
 * so the completion then gets an id of its own.
 */
export function completionIdFor(requestId: string, incoming: string | string[] | undefined): string {
  if (requestId !== incoming && requestId.startsWith('req_')) return `chatcmpl-${requestId.slice(4)}`;
  return `chatcmpl-${randomHex()}`;
}
