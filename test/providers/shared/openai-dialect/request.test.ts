import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import type { ChatRequest } from '../../../../src/protocol/chat-request.ts';
import {
  maxOutputTokens,
  rejectOpenAIOnlyOutputs,
  textOf,
  toDialectTools,
} from '../../../../src/providers/shared/openai-dialect/request.ts';
import { thrown } from '../../../helpers/thrown.ts';

const fn = (name: string) => ({
  type: 'function' as const,
  function: { name, parameters: { type: 'object' } },
});
const req = (extra: Partial<ChatRequest>): ChatRequest =>
  ({ model: 'x', messages: [{ role: 'user', content: 'hi' }], ...extra }) as ChatRequest;

describe('toDialectTools', () => {
  it('emulates allowed_tools by sending only the allowed subset with its mode', () => {
    const out = toDialectTools(
      req({
        tools: [fn('a'), fn('b'), fn('c')],
        tool_choice: {
          type: 'allowed_tools',
          allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'b' } }] },
        },
      }),
      'p',
    );
    expect(out.tools?.map((t) => t.function.name)).toEqual(['b']);
    expect(out.toolChoice).toBe('required');
  });

  it('gives a function without parameters an empty object schema and keeps strict', () => {
    const out = toDialectTools(
      req({ tools: [{ type: 'function', function: { name: 'now', strict: true } }] }),
      'p',
    );
    expect(out.tools).toEqual([
      {
        type: 'function',
        function: { name: 'now', parameters: { type: 'object', properties: {} }, strict: true },
      },
    ]);
  });

  it('rejects custom tools and custom tool choices with the param named', () => {
    const custom = thrown(() =>
      toDialectTools(req({ tools: [fn('a'), { type: 'custom', custom: { name: 'g' } }] }), 'p'),
    );
    expect(custom).toBeInstanceOf(GatewayError);
    expect((custom as GatewayError).param).toBe('tools[1]');
    const choice = thrown(() =>
      toDialectTools(req({ tools: [fn('a')], tool_choice: { type: 'custom', custom: { name: 'g' } } }), 'p'),
    );
    expect((choice as GatewayError).param).toBe('tool_choice');
  });

  it('rejects a tool_choice naming a function that is not in tools, or needing tools that are absent', () => {
    expect(
      (
        thrown(() =>
          toDialectTools(
            req({ tools: [fn('a')], tool_choice: { type: 'function', function: { name: 'z' } } }),
            'p',
          ),
        ) as GatewayError
      ).status,
    ).toBe(400);
    expect((thrown(() => toDialectTools(req({ tool_choice: 'required' }), 'p')) as GatewayError).param).toBe(
      'tool_choice',
    );
    expect(toDialectTools(req({ tool_choice: 'none' }), 'p')).toEqual({
      tools: undefined,
      toolChoice: 'none',
    });
  });
});

describe('request helpers', () => {
  it('prefers max_completion_tokens over max_tokens', () => {
    expect(maxOutputTokens(req({ max_tokens: 10, max_completion_tokens: 20 }))).toBe(20);
    expect(maxOutputTokens(req({ max_tokens: 10 }))).toBe(10);
    expect(maxOutputTokens(req({}))).toBeUndefined();
  });

  it('joins text and refusal parts', () => {
    expect(
      textOf([
        { type: 'text', text: 'a' },
        { type: 'refusal', refusal: 'b' },
      ]),
    ).toBe('ab');
    expect(textOf(null)).toBe('');
  });

  it('rejects OpenAI-only outputs unless the provider has them', () => {
    const audio = req({ modalities: ['text', 'audio'] } as Partial<ChatRequest>);
    expect((thrown(() => rejectOpenAIOnlyOutputs(audio, 'p')) as GatewayError).param).toBe('modalities');
    const prediction = req({ prediction: { type: 'content', content: 'x' } } as Partial<ChatRequest>);
    expect((thrown(() => rejectOpenAIOnlyOutputs(prediction, 'p')) as GatewayError).param).toBe('prediction');
    expect(() => rejectOpenAIOnlyOutputs(prediction, 'p', new Set(['prediction']))).not.toThrow();
    expect(() =>
      rejectOpenAIOnlyOutputs(req({ modalities: ['text'] } as Partial<ChatRequest>), 'p'),
    ).not.toThrow();
  });
});
