/**
 * Tearing down a connection on purpose (the reset and cut faults), remembered so the server can
 * tell "the fake hung up" from "the client went away": only the latter marks a request record
 * `aborted`.
 *
 *   resetConnection(res)     TCP RST before or after some bytes (client sees ECONNRESET)
 *   closeConnection(res)     flush what was written, then close (client sees a truncated body)
 *   destroyedByFake(res)     true once either was called for this response
 */
import type { ServerResponse } from 'node:http';

const destroyed = new WeakSet<ServerResponse>();

export function resetConnection(res: ServerResponse): void {
  destroyed.add(res);
  const socket = res.socket;
  if (socket === null) return;
  // resetAndDestroy sends RST, which is what a crashed upstream or a load balancer dropping the
  // connection produces; it throws if the socket is not a TCP socket, so fall back to destroy.
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export function closeConnection(res: ServerResponse): void {
  destroyed.add(res);
  const socket = res.socket;
  if (socket === null) return;
  // end() flushes what was already written, then sends FIN; the response itself is never
  // finished, so the client sees a body that stops mid-way. destroy() once flushed frees the fd.
  socket.end(() => socket.destroy());
}

export function destroyedByFake(res: ServerResponse): boolean {
  return destroyed.has(res);
}
