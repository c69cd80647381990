import { randomUUID } from 'node:crypto';

// A caller's own id is kept so one id follows a request across its systems; anything odd is replaced
// rather than echoed, since it lands in our logs and response headers.
const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && acceptableId.test(incoming)) return incoming;
  return `req_${randomUUID().replaceAll('-', '')}`;
}
