import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import {
  countPromptTokens,
  DEFAULT_MAX_OUTPUT_TOKENS,
  EXACT_CHARS,
  estimateRequest,
  FLAT_PART_TOKENS,
  OTHER_FACTOR,
  TOKENIZER_FACTOR,
} from '../../src/pricing/estimate.ts';
import { PriceBook } from '../../src/pricing/price-book.ts';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';

const book = PriceBook.fromConfig(undefined);
const openai = (model = 'gpt-4.1') => ({
  providerType: 'openai',
  price: book.priceFor('openai', 'openai', model),
  limits: book.limitsFor('openai', 'openai', model),
});

const chat = (...contents: string[]): ChatRequest => ({
  model: 'gpt-4.1',
  messages: contents.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content })),
});

const SAMPLES = [
  'Hello! How are you today?',
  'Write a function in TypeScript that returns the n-th Fibonacci number, memoized, with tests.',
  'function add(a: number, b: number): number {\n  return a + b;\n}\nconsole.log(add(2, 3));',
  '東京は日本の首都です。人口は約1400万人で、世界有数の大都市です。',
  'Ünïcödé façade — naïve café déjà vu 🚀🎉 👩‍👩‍👧',
  'The <|endoftext|> token is just text here.',
  JSON.stringify({ users: [{ id: 1, name: 'Ada', tags: ['math', 'engines'] }], total: 1 }),
];

/** OpenAI's own chat framing for o200k models, as gpt-tokenizer implements it: what OpenAI bills. */
function trueChatTokens(request: ChatRequest): number {
  const messages = request.messages.map((m) => ({
    role: m.role as 'user' | 'assistant' | 'system',
    content: typeof m.content === 'string' ? m.content : '',
  }));
  return encodeChat(messages, 'gpt-4o', { disallowedSpecial: new Set() }).length;
}

describe('countPromptTokens', () => {
  it('is at least the true OpenAI count on sample texts, and close to it', () => {
    for (const sample of SAMPLES) {
      for (const request of [chat(sample), chat(sample, 'Sure.', sample), chat(...SAMPLES)]) {
        const truth = trueChatTokens(request);
        const estimate = countPromptTokens(request);
        expect(estimate, sample).toBeGreaterThanOrEqual(truth);
        expect(estimate, sample).toBeLessThanOrEqual(truth + 2 * request.messages.length + 3);
      }
    }
  });

  it('does not throw on special-token text in a prompt', () => {
    expect(countPromptTokens(chat('<|endoftext|><|im_start|>system'))).toBeGreaterThan(3);
  });

  it('counts names, tool calls, tool definitions and a json_schema', () => {
    const base = countPromptTokens(chat('hi'));
    const named = countPromptTokens({ model: 'm', messages: [{ role: 'user', content: 'hi', name: 'ada' }] });
    expect(named).toBeGreaterThan(base);
    const withTools = countPromptTokens({
      ...chat('hi'),
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object' },
          },
        },
      ],
    });
    expect(withTools).toBeGreaterThan(base + 10);
    const withCall = countPromptTokens({
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
      ],
    });
    expect(withCall).toBeGreaterThan(base + 5);
    const withSchema = countPromptTokens({
      ...chat('hi'),
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    });
    expect(withSchema).toBeGreaterThan(base + 5);
  });

  it('counts each image, audio or file part as a flat figure', () => {
    const text = countPromptTokens({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    const image = countPromptTokens({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          ],
        },
      ],
    });
    expect(image - text).toBe(2 * FLAT_PART_TOKENS);
  });

  it('grows monotonically with the prompt, across the switch from exact counting to sampling', () => {
    const paragraph =
      'Switchyard routes each request to the cheapest healthy provider, retries on 429 and falls over on 5xx. ';
    let previous = 0;
    for (let chars = 256; chars <= 8 * EXACT_CHARS; chars *= 2) {
      const text = paragraph.repeat(Math.ceil(chars / paragraph.length)).slice(0, chars);
      const estimate = countPromptTokens(chat(text));
      expect(estimate, `${chars} chars`).toBeGreaterThanOrEqual(previous);
      previous = estimate;
    }
    let messages = 0;
    for (let n = 1; n <= 10; n++) {
      const estimate = countPromptTokens(chat(...Array.from({ length: n }, () => 'one more message')));
      expect(estimate).toBeGreaterThan(messages);
      messages = estimate;
    }
  });

  it('samples a prompt beyond EXACT_CHARS without falling short of the true count', () => {
    const words = ['gateway', 'budget', 'tenant', '429', 'retry', 'stream', 'Übergröße', '東京', 'tokens,'];
    let seed = 7;
    const parts: string[] = [];
    for (let i = 0; i < 25_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      parts.push(words[seed % words.length] as string);
    }
    const text = parts.join(' ');
    expect(text.length).toBeGreaterThan(3 * EXACT_CHARS);
    const request = chat(text);
    const truth = trueChatTokens(request);
    const estimate = countPromptTokens(request);
    expect(estimate).toBeGreaterThanOrEqual(truth * 0.99);
    expect(estimate).toBeLessThanOrEqual(truth * 1.1);
  });

  it('bounds the work on a long run without spaces (quadratic in the tokenizer)', () => {
    // 100 KB of one character took 2.9 s in a single countTokens call; in pieces it is milliseconds.
    const estimate = countPromptTokens(chat('x'.repeat(100_000)));
    expect(estimate).toBeGreaterThan(100_000 / 16);
    expect(estimate).toBeLessThan(100_000 / 4);
  });
});

describe('estimateRequest', () => {
  it('uses the request’s output limit, times n, and prices both sides', () => {
    const request = { ...chat('Hello there'), max_completion_tokens: 100, n: 2 };
    const estimate = estimateRequest(request, openai());
    expect(estimate.promptTokens).toBe(countPromptTokens(request));
    expect(estimate.maxOutputTokens).toBe(200);
    expect(estimate.costUsd).toBeCloseTo((estimate.promptTokens * 2 + 200 * 8) / 1e6, 12);
    expect(estimateRequest({ ...chat('Hello'), max_tokens: 50 }, openai()).maxOutputTokens).toBe(50);
  });

  it('defaults the output to the model’s largest, capped by what the window leaves', () => {
    expect(estimateRequest(chat('Hello'), openai('gpt-4.1')).maxOutputTokens).toBe(32_768);
    const tight = estimateRequest(chat('Hello'), {
      providerType: 'openai',
      price: undefined,
      limits: { contextWindow: 1_000, maxOutputTokens: 32_768 },
    });
    expect(tight.maxOutputTokens).toBe(1_000 - tight.promptTokens);
    const unknown = estimateRequest(chat('Hello'), {
      providerType: 'openai',
      price: undefined,
      limits: undefined,
    });
    expect(unknown.maxOutputTokens).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
  });

  it('has a null cost when the price is unknown, but still counts tokens', () => {
    const estimate = estimateRequest(chat('Hello'), {
      providerType: 'openai-compatible',
      price: undefined,
      limits: undefined,
    });
    expect(estimate.costUsd).toBeNull();
    expect(estimate.promptTokens).toBeGreaterThan(0);
  });

  it('applies the provider family’s tokenizer factor, rounding up', () => {
    const request = chat(...SAMPLES);
    const o200k = countPromptTokens(request);
    for (const [type, factor] of Object.entries(TOKENIZER_FACTOR)) {
      const estimate = estimateRequest(request, { providerType: type, price: undefined, limits: undefined });
      expect(estimate.promptTokens, type).toBe(Math.ceil(o200k * factor));
      expect(factor, type).toBeGreaterThanOrEqual(1);
    }
    const other = estimateRequest(request, {
      providerType: 'openai-compatible',
      price: undefined,
      limits: undefined,
    });
    expect(other.promptTokens).toBe(Math.ceil(o200k * OTHER_FACTOR));
  });

  it('applies the batch discount to a batch line', () => {
    const request = { ...chat('Hello'), max_tokens: 10 };
    const normal = estimateRequest(request, openai());
    const batch = estimateRequest(request, openai(), true);
    expect(batch.costUsd).toBeCloseTo((normal.costUsd as number) * 0.5, 12);
  });
});
