/**
 * The cut of a moderated passthrough into events (src/pipeline/relay-events.ts) must agree with the SSE
 * parser: every piece is whole events and nothing else, so fed to the parser piece by piece each event is
 * dispatched inside its own piece, however the upstream's bytes were split into reads, and the pieces
 * together are the upstream's bytes exactly.
 */
import { describe, expect, it } from 'vitest';
import { RelayEvents } from '../../src/pipeline/relay-events.ts';
import { type SseEvent, SseParser } from '../../src/providers/shared/sse.ts';

const encoder = new TextEncoder();

function cut(stream: string, readSizes: number[]): { pieces: string[]; rest: string } {
  const bytes = encoder.encode(stream);
  const relay = new RelayEvents();
  const pieces: string[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = readSizes[i++ % readSizes.length] as number;
    relay.push(bytes.subarray(at, at + size), (raw) => pieces.push(raw));
    at += size;
  }
  return { pieces, rest: relay.end() };
}

function parsedWhole(stream: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser();
  parser.push(stream, (event) => events.push(event));
  parser.end((event) => events.push(event));
  return events;
}

const streams = {
  lf: 'event: message_start\ndata: {"a":1}\n\nevent: content_block_delta\ndata: {"text":"héllo 世界"}\n\n: ping\n\ndata: {"b":2}\n\n',
  crlf: 'event: a\r\ndata: {"x":"1"}\r\n\r\ndata: {"x":"2"}\r\n\r\n',
  cr: 'data: {"x":"1"}\r\rdata: {"x":"2"}\r\r',
  mixed: 'data: {"x":"1"}\n\r\ndata: {"x":"2"}\r\n\ndata: {"x":"3"}\r\r\ndata: {"x":"4"}\n\n',
  multiline: 'data: {"x":\ndata: "1"}\n\nid: 7\nevent: e\ndata: {}\n\n',
  unterminated: 'data: {"x":"1"}\n\ndata: {"x":"2"}',
};

describe('relay events', () => {
  for (const [name, stream] of Object.entries(streams)) {
    for (const reads of [[1], [2], [3, 7], [5, 1, 11], [1_000]]) {
      it(`cuts ${name} into whole events (reads of ${reads.join(',')} bytes)`, () => {
        const { pieces, rest } = cut(stream, reads);
        expect(pieces.join('') + rest).toBe(stream);
        const parser = new SseParser();
        const events: SseEvent[] = [];
        for (const piece of pieces) {
          const before = events.length;
          parser.push(piece, (event) => events.push(event));
          // A piece holds whole events only: the parser has nothing of it left over.
          const probe: SseEvent[] = [];
          const copy = new SseParser();
          copy.push(piece, (event) => probe.push(event));
          copy.end((event) => probe.push(event));
          expect(events.length - before).toBe(probe.length);
        }
        parser.push(rest, (event) => events.push(event));
        parser.end((event) => events.push(event));
        expect(events).toEqual(parsedWhole(stream));
      });
    }
  }

  it('holds back an event until its blank line has arrived', () => {
    const relay = new RelayEvents();
    const pieces: string[] = [];
    relay.push(encoder.encode('data: {"text":"a pipe'), (raw) => pieces.push(raw));
    relay.push(encoder.encode(' bomb"}\n'), (raw) => pieces.push(raw));
    expect(pieces).toEqual([]);
    relay.push(encoder.encode('\n'), (raw) => pieces.push(raw));
    expect(pieces).toEqual(['data: {"text":"a pipe bomb"}\n\n']);
  });
});
