import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasFinishReason,
  mayCarryText,
  readChunkText,
} from '../../../src/guardrails/moderation/chunk-text.ts';

const chunk = (choices: unknown[]) => ({ id: 'c', object: 'chat.completion.chunk', choices });

describe('readChunkText', () => {
  it('reads a chunk written with spaces as it reads the compact one (Python json.dumps, say)', () => {
    const value = chunk([{ index: 0, delta: { content: 'pack the pipe' }, finish_reason: 'stop' }]);
    for (const json of [JSON.stringify(value), JSON.stringify(value, null, 1), pythonStyle(value)]) {
      expect(readChunkText(json), json).toEqual({ text: 'pack the pipe', finished: true, mixed: false });
      expect(hasFinishReason(json), json).toBe(true);
    }
    const notFinished = chunk([{ index: 0, delta: { content: 'x' }, finish_reason: null }]);
    expect(hasFinishReason(pythonStyle(notFinished))).toBe(false);
  });

  it('marks another choice or reasoning as mixed however the chunk is spaced', () => {
    const value = chunk([
      { index: 0, delta: { content: 'a' }, finish_reason: null },
      { index: 1, delta: { reasoning_content: 'b' }, finish_reason: null },
    ]);
    for (const json of [JSON.stringify(value), pythonStyle(value)])
      expect(readChunkText(json), json).toEqual({
        text: 'ab',
        finished: false,
        mixed: true,
        choices: [
          [0, 'a'],
          [1, 'b'],
        ],
      });
  });

  it('reads a chunk of a choice other than 0 alone as that choice, not as choice 0', () => {
    for (const index of [1, 2, 10]) {
      const value = chunk([{ index, delta: { content: 'pack the pipe' }, finish_reason: null }]);
      for (const json of [JSON.stringify(value), pythonStyle(value)])
        expect(readChunkText(json), json).toEqual({
          text: 'pack the pipe',
          finished: false,
          mixed: true,
          choices: [[index, 'pack the pipe']],
        });
    }
  });

  it('reads a refusal as text shown to the client, compact or spaced', () => {
    const value = chunk([{ index: 0, delta: { refusal: 'pack the pipe' }, finish_reason: null }]);
    for (const json of [JSON.stringify(value), pythonStyle(value)]) {
      expect(mayCarryText(json), json).toBe(true);
      expect(readChunkText(json), json).toEqual({ text: 'pack the pipe', finished: false, mixed: true });
    }
    // OpenAI's first chunk: `"refusal":null` is no text, and the content still takes the fast path.
    const first = chunk([
      { index: 0, delta: { role: 'assistant', content: 'Hi', refusal: null }, finish_reason: null },
    ]);
    expect(readChunkText(JSON.stringify(first))).toEqual({ text: 'Hi', finished: false, mixed: false });
  });

  it('agrees with a full parse on any text, compact or spaced', () => {
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (text, spacedOut) => {
        const value = chunk([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }]);
        const json = spacedOut ? pythonStyle(value) : JSON.stringify(value);
        return readChunkText(json).text === text;
      }),
    );
  });
});

/** `json.dumps` defaults: `", "` between items and `": "` after keys. */
function pythonStyle(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonStyle).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, field]) => `${JSON.stringify(key)}: ${pythonStyle(field)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}
