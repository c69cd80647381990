import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseWriter } from '../../src/server/sse-writer.ts';

/** A response whose socket buffer is full after `capacity` writes. */
function fakeResponse(capacity: number) {
  const emitter = new EventEmitter();
  const written: string[] = [];
  const res = Object.assign(emitter, {
    destroyed: false,
    write(bytes: Buffer | string) {
      written.push(String(bytes));
      return written.length < capacity;
    },
    end(bytes: Buffer | string) {
      written.push(`END:${String(bytes)}`);
    },
  });
  return { res: res as unknown as ServerResponse & EventEmitter, written };
}

describe('SseWriter', () => {
  it('joins the events of one read into one write', () => {
    const { res, written } = fakeResponse(10);
    const writer = new SseWriter(res);
    writer.data('{"a":1}');
    writer.data('{"b":2}');
    expect(writer.flush(() => {})).toBe(true);
    expect(written).toEqual(['data: {"a":1}\n\ndata: {"b":2}\n\n']);
    expect(writer.hasPending).toBe(false);
  });

  it('reports a full socket and calls back once, on drain', () => {
    const { res } = fakeResponse(1);
    const writer = new SseWriter(res);
    let drained = 0;
    writer.data('{}');
    expect(writer.flush(() => drained++)).toBe(false);
    expect(drained).toBe(0);
    res.emit('drain');
    res.emit('drain');
    expect(drained).toBe(1);
    expect(res.listenerCount('drain') + res.listenerCount('close')).toBe(0);
  });

  it('calls back when the client goes away instead of draining, so the reader is never stuck', () => {
    const { res } = fakeResponse(1);
    const writer = new SseWriter(res);
    let drained = 0;
    writer.data('{}');
    writer.flush(() => drained++);
    res.emit('close');
    expect(drained).toBe(1);
  });

  it('ends with [DONE] after whatever is still queued', async () => {
    const { res, written } = fakeResponse(10);
    const writer = new SseWriter(res);
    writer.data('{"last":true}');
    await writer.finish();
    expect(written).toEqual(['END:data: {"last":true}\n\ndata: [DONE]\n\n']);
  });
});
