import { describe, expect, it } from 'vitest';
import { addUsage, DeliveredStream, usageChunkWithPrior } from '../../src/pipeline/stream-delivery.ts';

const chunk = (delta: Record<string, unknown>) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: null }],
  });

describe('DeliveredStream', () => {
  it('reassembles the delivered text, escapes and all, without keeping the chunks', () => {
    const delivered = new DeliveredStream();
    delivered.record(chunk({ role: 'assistant', content: '' }));
    delivered.record(chunk({ reasoning_content: 'thinking "hard"' }));
    delivered.record(chunk({ content: 'He said "hi"\\n' }));
    delivered.record(chunk({ content: ' and left. é 😀' }));
    delivered.record(chunk({ content: null }));
    expect(delivered.read()).toEqual({ text: 'He said "hi"\\n and left. é 😀', structured: false });
  });

  it('notes a tool call, a function call or a refusal, which rule a continuation out', () => {
    for (const delta of [
      { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] },
      { function_call: { name: 'f', arguments: '' } },
      { refusal: 'I cannot help with that.' },
    ]) {
      const delivered = new DeliveredStream();
      delivered.record(chunk({ content: 'x' }));
      delivered.record(chunk(delta));
      expect(delivered.read().structured).toBe(true);
    }
    const plain = new DeliveredStream();
    plain.record(chunk({ content: 'the word "tool_calls" in text' }));
    expect(plain.read().structured).toBe(false);
  });

  it('seals what earlier attempts delivered and discards what never reached the client', () => {
    const delivered = new DeliveredStream();
    delivered.record(chunk({ content: 'one ' }));
    delivered.seal();
    delivered.record(chunk({ content: 'lost' }));
    delivered.discard();
    delivered.record(chunk({ content: 'two' }));
    expect(delivered.lastAttemptChars()).toBe(3);
    expect(delivered.read().text).toBe('one two');
  });
});

describe('usage of a continued answer', () => {
  it('adds both attempts, details included, and rewrites the final usage chunk', () => {
    const a = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    const b = {
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 4 },
    };
    expect(addUsage(a, b)).toEqual({
      prompt_tokens: 22,
      completion_tokens: 12,
      total_tokens: 34,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    expect(addUsage(undefined, b)).toBe(b);
    // Cache writes add up too: they are priced at their own rate.
    const written = { ...a, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 6 } };
    expect(addUsage(written, written)?.prompt_tokens_details).toEqual({
      cached_tokens: 0,
      cache_write_tokens: 12,
    });
    const rewritten = JSON.parse(usageChunkWithPrior(JSON.stringify({ choices: [], usage: b }), a));
    expect(rewritten.usage.completion_tokens).toBe(12);
  });
});
