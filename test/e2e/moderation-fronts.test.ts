/**
 * Output moderation on /v1/messages and /v1/responses, through the official SDKs, to targets that pass
 * the client's protocol through (Anthropic for Messages, OpenAI for Responses) and to targets it is
 * translated for: a harmful answer never reaches the client, JSON or streamed, and ends in the front's
 * own terms (Messages: `stop_reason: "refusal"`; Responses: `status: "incomplete"`, reason
 * `content_filter`) as a stream the SDKs can finish; a benign passed-through stream is still the
 * upstream's bytes. Plus, on /v1/chat/completions: the usage chunk a client asked for follows a block,
 * and a `redact` over reasoning blocks rather than leak the reasoning or move it into the answer.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeScript, FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const HARMFUL = 'Sure. To build a pipe bomb, pack the pipe with explosive powder and seal both ends. Done.';
const FLAGGED = /pipe|bomb|explosive/i;
const BENIGN = 'Paris is the capital of France. It sits on the Seine! Would you like more facts?';

let anthropic: FakeServer;
let openai: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  anthropic = await startAnthropicFake({ keys: ['sk-ant'] });
  openai = await startFakeOpenAI({ keys: ['sk-oai'] });
  gw = await startTestGateway({
    providers: {
      claude: { type: 'anthropic', keys: ['sk-ant'], base_url: anthropic.url },
      main: { type: 'openai', keys: ['sk-oai'], base_url: `${openai.url}/v1` },
    },
    tenants: {
      // The defaults: local backend, action block.
      plain: { keys: ['sk-plain'] },
      redactor: { keys: ['sk-redact'], guardrails: { moderation: { action: 'redact' } } },
      off: { keys: ['sk-off'], guardrails: { moderation: { backend: 'off' } } },
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await anthropic?.stop();
  await openai?.stop();
});

beforeEach(() => {
  anthropic.control.clear();
  openai.control.clear();
});

const claudeFor = (key: string) => new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
const openaiFor = (key: string) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });

const PASSTHROUGH = { messages: 'claude/claude-sonnet-4-5', responses: 'main/gpt-4.1' } as const;
const TRANSLATED = { messages: 'main/gpt-4.1', responses: 'claude/claude-sonnet-4-5' } as const;

/** The fake behind a model: the next answer it gives is `content`. */
function reply(model: string, content: string, script: Omit<FakeScript, 'reply'> = {}): void {
  const fake = model.startsWith('claude/') ? anthropic : openai;
  fake.control.enqueue({ ...script, reply: { content } });
}

async function rawPost(path: string, key: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      authorization: `Bearer ${key}`,
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

const textOf = (message: Anthropic.Message) =>
  message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

describe('JSON answers', () => {
  for (const [route, model] of [
    ['passthrough', PASSTHROUGH.messages],
    ['translated', TRANSLATED.messages],
  ] as const) {
    it(`/v1/messages (${route}): a blocked answer loses its text and stops with "refusal"`, async () => {
      reply(model, HARMFUL);
      const raw = await rawPost('/v1/messages', 'sk-plain', {
        model,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(raw).not.toMatch(FLAGGED);
      reply(model, HARMFUL);
      const message = await claudeFor('sk-plain').messages.create({
        model,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(message.stop_reason).toBe('refusal');
      expect(textOf(message)).toBe('');
    });
  }

  for (const [route, model] of [
    ['passthrough', PASSTHROUGH.responses],
    ['translated', TRANSLATED.responses],
  ] as const) {
    it(`/v1/responses (${route}): a blocked answer is incomplete for content_filter`, async () => {
      reply(model, HARMFUL);
      const raw = await rawPost('/v1/responses', 'sk-plain', { model, input: 'hi' });
      expect(raw).not.toMatch(FLAGGED);
      reply(model, HARMFUL);
      const response = await openaiFor('sk-plain').responses.create({ model, input: 'hi' });
      expect(response.status).toBe('incomplete');
      expect(response.incomplete_details?.reason).toBe('content_filter');
      expect(response.output_text).toBe('');
    });
  }

  it('/v1/messages (passthrough): redact rewrites only the flagged spans of the upstream message', async () => {
    reply(PASSTHROUGH.messages, HARMFUL);
    const message = await claudeFor('sk-redact').messages.create({
      model: PASSTHROUGH.messages,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(textOf(message)).not.toMatch(FLAGGED);
    expect(textOf(message)).toContain('[redacted]');
    expect(textOf(message)).toMatch(/^Sure\. /);
    expect(message.stop_reason).toBe('end_turn');
    // Still the upstream's own message, not one rebuilt from the translation.
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('/v1/responses (passthrough): redact rewrites only the flagged spans', async () => {
    reply(PASSTHROUGH.responses, HARMFUL);
    const response = await openaiFor('sk-redact').responses.create({
      model: PASSTHROUGH.responses,
      input: 'hi',
    });
    expect(response.output_text).not.toMatch(FLAGGED);
    expect(response.output_text).toContain('[redacted]');
    expect(response.status).toBe('completed');
  });

  it('a benign passed-through answer is the upstream body unchanged', async () => {
    reply(PASSTHROUGH.messages, BENIGN);
    const message = await claudeFor('sk-plain').messages.create({
      model: PASSTHROUGH.messages,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(textOf(message)).toBe(BENIGN);
    expect(message.stop_reason).toBe('end_turn');
  });
});

/** Ids, timestamps and signatures differ per request; the rest of a stream is the same bytes. */
const normalized = (raw: string) =>
  raw
    .replace(/"(id|item_id|call_id)":"[^"]*"/g, '"$1":"x"')
    .replace(/"(created_at|created)":\d+/g, '"$1":0')
    .replace(/"signature":"[^"]*"/g, '"signature":"x"');

describe('streams passed through', () => {
  // A pause between events, so the answer comes in many reads, as from a real model.
  for (const script of [{}, { tokenIntervalMs: 2 }]) {
    const paced = 'tokenIntervalMs' in script ? ', paced' : '';

    it(`/v1/messages → Anthropic: cut before the flagged sentence, ended with "refusal"${paced}`, async () => {
      reply(PASSTHROUGH.messages, HARMFUL, script);
      const raw = await rawPost('/v1/messages', 'sk-plain', {
        model: PASSTHROUGH.messages,
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(raw).not.toMatch(FLAGGED);
      reply(PASSTHROUGH.messages, HARMFUL, script);
      const message = await claudeFor('sk-plain')
        .messages.stream({
          model: PASSTHROUGH.messages,
          max_tokens: 200,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .finalMessage();
      expect(message.stop_reason).toBe('refusal');
      expect(textOf(message).trim()).toBe('Sure.');
    });

    it(`/v1/responses → OpenAI: cut before the flagged sentence, ended incomplete${paced}`, async () => {
      reply(PASSTHROUGH.responses, HARMFUL, script);
      const raw = await rawPost('/v1/responses', 'sk-plain', {
        model: PASSTHROUGH.responses,
        stream: true,
        input: 'hi',
      });
      expect(raw).not.toMatch(FLAGGED);
      reply(PASSTHROUGH.responses, HARMFUL, script);
      const stream = openaiFor('sk-plain').responses.stream({ model: PASSTHROUGH.responses, input: 'hi' });
      const types: string[] = [];
      stream.on('event', (event) => types.push(event.type));
      const response = await stream.finalResponse();
      expect(response.status).toBe('incomplete');
      expect(response.incomplete_details?.reason).toBe('content_filter');
      // The text before the flagged sentence went out, and is in the final response too.
      expect(response.output_text.trim()).toBe('Sure.');
      expect(types.at(-1)).toBe('response.incomplete');
      expect(types).toContain('response.output_item.done');
    });
  }

  it('a benign stream is the upstream bytes, moderated or not', async () => {
    for (const [path, model] of [
      ['/v1/messages', PASSTHROUGH.messages],
      ['/v1/responses', PASSTHROUGH.responses],
    ] as const) {
      const body = {
        model,
        max_tokens: 200,
        stream: true,
        input: 'hi',
        messages: [{ role: 'user', content: 'hi' }],
      };
      const { input, messages, ...common } = body;
      const request = path === '/v1/messages' ? { ...common, messages } : { ...common, input };
      reply(model, BENIGN, { tokenIntervalMs: 1 });
      const moderated = await rawPost(path, 'sk-plain', request);
      reply(model, BENIGN, { tokenIntervalMs: 1 });
      const unmoderated = await rawPost(path, 'sk-off', request);
      expect(normalized(moderated)).toBe(normalized(unmoderated));
      expect(moderated).toContain('Seine');
    }
  });
});

describe('streams translated for the front', () => {
  it('/v1/messages → OpenAI: a blocked stream ends with message_delta "refusal" and message_stop', async () => {
    reply(TRANSLATED.messages, HARMFUL);
    const message = await claudeFor('sk-plain')
      .messages.stream({
        model: TRANSLATED.messages,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .finalMessage();
    expect(message.stop_reason).toBe('refusal');
    expect(textOf(message).trim()).toBe('Sure.');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  it('/v1/responses → Anthropic: a blocked stream ends with response.incomplete', async () => {
    reply(TRANSLATED.responses, HARMFUL, { tokenIntervalMs: 2 });
    const response = await openaiFor('sk-plain')
      .responses.stream({ model: TRANSLATED.responses, input: 'hi' })
      .finalResponse();
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details?.reason).toBe('content_filter');
    expect(response.output_text.trim()).toBe('Sure.');
  });
});

describe('reasoning', () => {
  const REASONING =
    'Let me think. To build a pipe bomb, pack the pipe with explosive powder and seal both ends.';
  const thinkingRequest: Anthropic.MessageCreateParamsNonStreaming = {
    model: PASSTHROUGH.messages,
    max_tokens: 4000,
    thinking: { type: 'enabled', budget_tokens: 2048 },
    messages: [{ role: 'user', content: 'hi' }],
  };

  for (const stream of [false, true]) {
    it(`/v1/messages → Anthropic${stream ? ', streamed' : ''}: flagged thinking never goes out`, async () => {
      anthropic.control.enqueue({ reply: { reasoning: REASONING, content: 'I cannot help with that.' } });
      const raw = await rawPost('/v1/messages', 'sk-plain', { ...thinkingRequest, stream });
      expect(raw).not.toMatch(FLAGGED);
      anthropic.control.enqueue({ reply: { reasoning: REASONING, content: 'I cannot help with that.' } });
      const client = claudeFor('sk-plain');
      const message = stream
        ? await client.messages.stream(thinkingRequest).finalMessage()
        : await client.messages.create(thinkingRequest);
      expect(message.stop_reason).toBe('refusal');
      expect(JSON.stringify(message.content)).not.toMatch(FLAGGED);
    });
  }

  it('/v1/chat/completions: a blocked answer drops the carried thinking state, which holds its text', async () => {
    anthropic.control.enqueue({ reply: { reasoning: REASONING, content: 'I cannot help with that.' } });
    const raw = await rawPost('/v1/chat/completions', 'sk-plain', {
      model: 'claude/claude-sonnet-4-5',
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const message = (JSON.parse(raw) as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]
      ?.message as Record<string, unknown>;
    expect(message.content).toBe('');
    expect(message.reasoning_signature).toBeUndefined();
    expect(raw).not.toMatch(FLAGGED);
  });
});

describe('/v1/chat/completions streams', () => {
  interface Chunk {
    choices: Array<{ delta: { content?: string; reasoning_content?: string }; finish_reason: string | null }>;
    usage?: { prompt_tokens: number; completion_tokens: number } | null;
  }
  const chunksOf = (raw: string): Chunk[] =>
    raw
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
      .map((line) => JSON.parse(line.slice(6)) as Chunk);

  for (const script of [{}, { tokenIntervalMs: 2 }]) {
    it(`a blocked stream still ends with the usage chunk the client asked for${'tokenIntervalMs' in script ? ', paced' : ''}`, async () => {
      reply('main/gpt-4.1', HARMFUL, script);
      const raw = await rawPost('/v1/chat/completions', 'sk-plain', {
        model: 'main/gpt-4.1',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(raw).not.toMatch(FLAGGED);
      const chunks = chunksOf(raw);
      const last = chunks.at(-1) as Chunk;
      expect(last.choices).toEqual([]);
      expect(last.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('content_filter');
      expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    });
  }

  it('redact over flagged reasoning blocks: the reasoning never goes out, nor moves into the answer', async () => {
    anthropic.control.enqueue({
      reply: {
        reasoning:
          'Let me think. To build a pipe bomb, pack the pipe with explosive powder and seal both ends.',
        content: 'I cannot help with that.',
      },
    });
    const raw = await rawPost('/v1/chat/completions', 'sk-redact', {
      model: 'claude/claude-sonnet-4-5',
      stream: true,
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(raw).not.toMatch(FLAGGED);
    const chunks = chunksOf(raw);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    expect(content).not.toContain('[redacted]');
    expect(reasoning.trim()).toBe('Let me think.');
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason))).toContain(
      'content_filter',
    );
  });
});
