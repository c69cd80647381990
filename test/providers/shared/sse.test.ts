import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from '../../../src/providers/shared/sse.ts';

function parseAll(pieces: Array<Uint8Array | string>): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  const onEvent = (e: SseEvent) => events.push(e);
  for (const piece of pieces) parser.push(piece, onEvent);
  parser.end(onEvent);
  return events;
}

function splitAt(bytes: Uint8Array, cut: number): Uint8Array[] {
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

const anthropicLike =
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  ': keep-alive\n\n' +
  'event: content_block_delta\ndata: {"text":"héllo 👋"}\n\n' +
  'event: message_stop\ndata: {"type":"message_stop"}\n\n';

const expected: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start"}' },
  { event: 'content_block_delta', data: '{"text":"héllo 👋"}' },
  { event: 'message_stop', data: '{"type":"message_stop"}' },
];

describe('SseParser', () => {
  it('parses whole events, skipping comments', () => {
    expect(parseAll([anthropicLike])).toEqual(expected);
  });

  it('gives the same events when the bytes are split at every position, including inside UTF-8 characters', () => {
    const bytes = new TextEncoder().encode(anthropicLike);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseAll(splitAt(bytes, cut)), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('accepts CRLF and bare CR line ends, also when CRLF is split between reads', () => {
    const crlf = anthropicLike.replaceAll('\n', '\r\n');
    const cr = anthropicLike.replaceAll('\n', '\r');
    expect(parseAll([crlf])).toEqual(expected);
    expect(parseAll([cr])).toEqual(expected);
    const bytes = new TextEncoder().encode(crlf);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseAll(splitAt(bytes, cut)), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('joins multi-line data with a newline and makes the space after the colon optional', () => {
    expect(parseAll(['data:a\ndata: b\n\n'])).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('delivers a final event whose blank line never came (Gemini closes the connection)', () => {
    expect(parseAll(['data: {"x":1}\r\n'])).toEqual([{ event: undefined, data: '{"x":1}' }]);
    expect(parseAll(['data: {"x":1}'])).toEqual([{ event: undefined, data: '{"x":1}' }]);
  });

  it('ignores events without data and unknown fields', () => {
    expect(parseAll(['event: ping\n\nid: 7\nretry: 10\ndata: [DONE]\n\n'])).toEqual([
      { event: undefined, data: '[DONE]' },
    ]);
  });

  it('gives the same events for seeded random splits', () => {
    const bytes = new TextEncoder().encode(anthropicLike.repeat(20));
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 50; round++) {
      const pieces: Uint8Array[] = [];
      let at = 0;
      while (at < bytes.length) {
        const size = 1 + Math.floor(random() * 40);
        pieces.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(parseAll(pieces)).toHaveLength(60);
    }
  });
});
