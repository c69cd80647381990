import { describe, expect, it } from 'vitest';
import { type FakeRequestView, planReply } from '../../../../src/demo/fakes/shared/reply-plan.ts';
import { countTokens } from '../../../../src/demo/fakes/shared/tokens.ts';

const base: FakeRequestView = {
  model: 'demo-model',
  lastUserText: 'What is the weather in Paris?',
  messageChars: 400,
  tools: [],
  toolChoice: 'auto',
  lastMessageIsToolResult: false,
  responseFormat: { type: 'text' },
  reasoning: false,
};

const weather = {
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const search = { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } } } };

describe('planReply', () => {
  it('answers text that names the model and echoes the user, deterministically', () => {
    const reply = planReply(base);
    expect(reply.content).toContain('demo-model');
    expect(reply.content).toContain('What is the weather in Paris?');
    expect(reply.finishReason).toBe('stop');
    expect(planReply(base)).toEqual(reply);
    expect(reply.usage).toEqual({
      promptTokens: 100,
      completionTokens: countTokens(reply.content),
      cachedTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('calls the first tool with arguments built from its schema, and counts the schema as prompt', () => {
    const reply = planReply({ ...base, tools: [weather, search] });
    expect(reply.finishReason).toBe('tool_calls');
    expect(reply.content).toBe('');
    expect(reply.toolCalls).toEqual([{ id: 'call_0_0', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    expect(reply.usage.promptTokens).toBeGreaterThan(100);
    expect(reply.usage.completionTokens).toBe(countTokens('{"city":"Paris"}'));
  });

  it('calls the forced tool, and none when tool_choice is none', () => {
    const forced = planReply({ ...base, tools: [weather, search], toolChoice: { name: 'search' } });
    expect(forced.toolCalls?.[0]?.name).toBe('search');
    expect(JSON.parse(forced.toolCalls?.[0]?.arguments ?? '')).toEqual({
      query: 'What is the weather in Paris?',
    });
    expect(planReply({ ...base, tools: [weather], toolChoice: 'none' }).toolCalls).toBeUndefined();
  });

  it('answers with the tool result once the last message is one', () => {
    const reply = planReply({
      ...base,
      tools: [weather],
      lastMessageIsToolResult: true,
      toolResultText: '{"temp":21}',
    });
    expect(reply.toolCalls).toBeUndefined();
    expect(reply.content).toContain('{"temp":21}');
    expect(reply.finishReason).toBe('stop');
  });

  it('returns JSON for json_object, and JSON matching the schema for json_schema', () => {
    expect(JSON.parse(planReply({ ...base, responseFormat: { type: 'json_object' } }).content)).toMatchObject(
      {
        model: 'demo-model',
      },
    );
    const schema = { type: 'object', properties: { n: { type: 'integer' }, ok: { type: 'boolean' } } };
    expect(
      JSON.parse(planReply({ ...base, responseFormat: { type: 'json_schema', schema } }).content),
    ).toEqual({
      n: 42,
      ok: true,
    });
  });

  it('cuts at the first stop sequence with finish stop', () => {
    const reply = planReply({ ...base, stop: ['Paris', '!'] });
    expect(reply.content).toBe('Hello from demo-model');
    expect(reply.finishReason).toBe('stop');
  });

  it('truncates to maxTokens with finish length', () => {
    const reply = planReply({ ...base, maxTokens: 4 });
    expect(reply.content).toBe('Hello from demo-');
    expect(reply.finishReason).toBe('length');
    expect(reply.usage.completionTokens).toBe(4);
  });

  it('adds reasoning, counted inside completion tokens and against maxTokens first', () => {
    const reply = planReply({ ...base, reasoning: true });
    expect(reply.reasoning).toContain('demo-model');
    expect(reply.usage.reasoningTokens).toBe(countTokens(reply.reasoning ?? ''));
    expect(reply.usage.completionTokens).toBe(countTokens(reply.content) + reply.usage.reasoningTokens);
    const starved = planReply({ ...base, reasoning: true, maxTokens: 3 });
    expect(starved).toMatchObject({ content: '', finishReason: 'length' });
    expect(starved.usage.completionTokens).toBe(3);
  });

  it('applies an override to exactly the parts it names', () => {
    const scripted = planReply({ ...base, tools: [weather] }, { content: 'Scripted.', toolCalls: [] });
    expect(scripted).toMatchObject({ content: 'Scripted.', toolCalls: [], finishReason: 'stop' });
    expect(scripted.usage.completionTokens).toBe(2);
    const filtered = planReply(base, { finishReason: 'content_filter', usage: { promptTokens: 9 } });
    expect(filtered.content).toBe(planReply(base).content);
    expect(filtered.finishReason).toBe('content_filter');
    expect(filtered.usage.promptTokens).toBe(9);
    const call = planReply(
      base,
      { toolCalls: [{ name: 'lookup', arguments: '{}' }] },
      { toolCallId: () => 'call_x' },
    );
    expect(call).toMatchObject({
      content: '',
      finishReason: 'tool_calls',
      toolCalls: [{ id: 'call_x', name: 'lookup' }],
    });
  });

  it('varies the text of later choices', () => {
    expect(planReply(base, undefined, { choiceIndex: 1 }).content).not.toBe(planReply(base).content);
  });
});
