import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openaiAdapter } from '../../../src/providers/openai/index.ts';
import { openaiCompatibleAdapter } from '../../../src/providers/openai-compatible/index.ts';
import { UpstreamProtocolError } from '../../../src/providers/types.ts';
import { makeCtx } from '../../helpers/stream-harness.ts';
import { thrown } from '../../helpers/thrown.ts';

// test/fixtures/openai/text.json is a recorded response, byte for byte (test/fixtures/openai/SOURCES.md).
const recorded = readFileSync(new URL('../../fixtures/openai/text.json', import.meta.url), 'utf8');

describe.each([openaiAdapter, openaiCompatibleAdapter])('$type fromResponse', (adapter) => {
  it('passes the recorded completion to the client byte for byte', () => {
    expect(adapter.fromResponse(recorded, makeCtx()).body).toBe(recorded);
  });

  it('reads the finish reason, the model and usage with cached and reasoning tokens for accounting', () => {
    const translated = adapter.fromResponse(recorded, makeCtx());
    expect(translated.finishReason).toBe('stop');
    expect(translated.rawFinishReason).toBeNull();
    expect(translated.completion.model).toBe('gpt-4.1-nano-2025-04-14');
    expect(translated.completion.choices[0]?.message.content).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(translated.usage).toMatchObject({
      prompt_tokens: 16,
      completion_tokens: 363,
      total_tokens: 379,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('refuses a body that is not a completion', () => {
    expect(thrown(() => adapter.fromResponse('{"object":"list"}', makeCtx()))).toBeInstanceOf(
      UpstreamProtocolError,
    );
    expect(thrown(() => adapter.fromResponse(recorded.slice(0, 200), makeCtx()))).toBeInstanceOf(
      UpstreamProtocolError,
    );
  });
});
