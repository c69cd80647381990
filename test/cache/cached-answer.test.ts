/** The entry format (issue 14): a head line, then the completion's bytes as sent, served behind a new id. */
import { describe, expect, it } from 'vitest';
import { decodeCachedAnswer, encodeCachedAnswer } from '../../src/cache/cached-answer.ts';
import { completion } from './cache-store-contract.ts';

const HEAD = { expiresAtMs: 5_000, provider: 'openai', target: 'openai/gpt-4.1', upstreamModel: 'gpt-4.1' };

describe('cached answers', () => {
  it('keeps the text sent when it is compact, and serves it under the new id and time', () => {
    const original = { ...completion('Hé "quoted" ✓'), system_fingerprint: 'fp_1' };
    const sent = JSON.stringify(original);
    const bytes = encodeCachedAnswer(HEAD, original, sent);
    // The stored completion is the sent text after its leading fields, byte for byte.
    expect(bytes.toString('utf8').endsWith(sent.slice(sent.indexOf('"model"')))).toBe(true);
    const entry = decodeCachedAnswer(bytes);
    expect(entry?.head).toMatchObject({
      ...HEAD,
      id: 'chatcmpl-original',
      created: 1_750_000_000,
      finishReason: 'stop',
      usage: original.usage,
    });
    expect(entry?.completion).toEqual(original);
    const body = JSON.parse(entry?.completionBody('chatcmpl-new', 1_800_000_000).toString('utf8') ?? '');
    expect(body).toEqual({ ...original, id: 'chatcmpl-new', created: 1_800_000_000 });
    expect(Object.keys(body).slice(0, 3)).toEqual(['id', 'object', 'created']);
  });

  it('serializes the completion when the text sent is not compact (pretty-printed upstream bytes) or absent', () => {
    const original = completion('Hello');
    for (const sent of [JSON.stringify(original, null, 2), undefined]) {
      const entry = decodeCachedAnswer(encodeCachedAnswer(HEAD, original, sent));
      expect(entry?.completion).toEqual(original);
      expect(JSON.parse(entry?.completionBody('x', 1).toString('utf8') ?? '')).toEqual({
        ...original,
        id: 'x',
        created: 1,
      });
    }
  });

  it('reads anything else as a miss: no head line, a foreign head, another format', () => {
    for (const text of ['no newline', 'not json\n{}', '{"format":1}\n{}', '[]\n{}'])
      expect(decodeCachedAnswer(Buffer.from(text))).toBeUndefined();
  });
});
