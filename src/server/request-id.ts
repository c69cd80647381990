import { randomFillSync } from 'node:crypto';

// A caller's own id is kept so one id follows a request across its systems; anything odd is replaced
// rather than echoed, since it lands in our logs and response headers.
const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

const ID_BYTES = 16;
// Entropy fetched 256 ids at a time: randomUUID and the dash removal cost ~4× a slice of this pool.
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && acceptableId.test(incoming)) return incoming;
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = `req_${pool.toString('hex', offset, offset + ID_BYTES)}`;
  offset += ID_BYTES;
  return id;
}
