import { describe, expect, it } from 'vitest';
import { isPlainChatRequest, parseChatRequest } from '../../src/pipeline/validate.ts';
import { chatRequestSchema } from '../../src/protocol/chat-request.ts';

/** Deterministic pseudo-random numbers (mulberry32), so a failure names a reproducible seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const numbers = [-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 20, 64, 128, 129, 2 ** 53, 1e21, 0.1];
const scalars: unknown[] = [
  ...numbers,
  '',
  'x',
  'gpt-4o-mini',
  ' ',
  true,
  false,
  null,
  [],
  {},
  ['a'],
  { a: 1 },
];
const roles: unknown[] = [
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
  'bogus',
  '',
  1,
  null,
];
const contents: unknown[] = [
  'hi',
  '',
  null,
  1,
  [{ type: 'text', text: 'hi' }],
  [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }],
  { text: 'hi' },
];
const fields = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'n',
  'seed',
  'user',
  'stop',
  'tools',
  'logprobs',
  'unknown_field',
];

/** Values near each field's limits, so most generated requests are valid or nearly so. */
const plausible: Record<string, unknown[]> = {
  stream: [true, false],
  max_tokens: [1, 64, 0, -1, 1.5],
  max_completion_tokens: [1, 200, 0],
  temperature: [0, 0.3, 2, 2.01, -0.01],
  top_p: [0, 1, 1.01],
  frequency_penalty: [-2, 0, 2, 2.5],
  presence_penalty: [-2, 2, -2.5],
  n: [1, 128, 129, 0],
  seed: [7, -7, 0.5],
  user: ['u-1', ''],
};

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function message(random: () => number): unknown {
  if (random() < 0.02) return pick(random, scalars);
  const out: Record<string, unknown> = {};
  if (random() < 0.98) out.role = random() < 0.9 ? pick(random, roles.slice(0, 4)) : pick(random, roles);
  if (random() < 0.98) out.content = random() < 0.9 ? 'hello there' : pick(random, contents);
  if (random() < 0.2) out.name = random() < 0.7 ? 'alice' : pick(random, scalars);
  if (random() < 0.02) out.tool_call_id = 'call_1';
  if (random() < 0.02) out.extra = pick(random, scalars);
  return out;
}

function request(random: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const rare = field === 'stop' || field === 'tools' || field === 'logprobs' || field === 'unknown_field';
    if (random() < (field === 'model' || field === 'messages' ? 0.97 : rare ? 0.03 : 0.2)) {
      if (field === 'model') out.model = random() < 0.8 ? 'gpt-4o-mini' : pick(random, scalars);
      else if (field === 'messages')
        out.messages =
          random() < 0.9
            ? Array.from({ length: Math.floor(random() * 4) + (random() < 0.9 ? 1 : 0) }, () =>
                message(random),
              )
            : pick(random, scalars);
      else if (field === 'stream_options')
        out.stream_options =
          random() < 0.6 ? { include_usage: pick(random, [true, false, null, 1]) } : pick(random, scalars);
      else
        out[field] =
          random() < 0.7 && field in plausible ? pick(random, plausible[field] ?? []) : pick(random, scalars);
    }
  }
  return out;
}

describe('the plain-request fast path', () => {
  it('only accepts requests zod accepts, with the same result', () => {
    const random = seeded(20261125);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = request(random);
      if (!isPlainChatRequest(input)) continue;
      accepted++;
      const parsed = chatRequestSchema.safeParse(input);
      expect(parsed.success, JSON.stringify(input)).toBe(true);
      expect(parsed.data).toEqual(input);
    }
    // The generator must exercise the fast path, not only the fallback.
    expect(accepted).toBeGreaterThan(500);
  });

  it('takes the common requests', () => {
    const common = [
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You answer in one short sentence.' },
          { role: 'user', content: 'What does the quick brown fox do?' },
        ],
        max_tokens: 64,
        temperature: 0.3,
      },
      {
        model: 'smart',
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: 'hi', name: 'ann' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'again' },
        ],
        stream: true,
        stream_options: { include_usage: true },
        max_completion_tokens: 200,
        top_p: 1,
        n: 1,
        seed: 7,
        user: 'u-1',
      },
    ];
    for (const input of common) expect(isPlainChatRequest(input)).toBe(true);
  });

  it('leaves everything else to zod', () => {
    const others: Record<string, unknown>[] = [
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      { model: 'm', messages: [{ role: 'tool', content: 'x', tool_call_id: 'c' }] },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [] },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: null },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], toString: 'x' },
      { model: 'm', messages: [] },
      { model: '', messages: [{ role: 'user', content: 'hi' }] },
    ];
    for (const input of others) expect(isPlainChatRequest(input)).toBe(false);
  });

  it('gives parseChatRequest the same answers with or without it', () => {
    const random = seeded(7);
    for (let i = 0; i < 2_000; i++) {
      const input = request(random);
      const body = Buffer.from(JSON.stringify(input));
      let viaGateway: unknown;
      try {
        viaGateway = parseChatRequest(body);
      } catch (error) {
        viaGateway = { error: (error as Error).message };
      }
      const viaZod = chatRequestSchema.safeParse(JSON.parse(body.toString()));
      if (!viaZod.success) expect(viaGateway).toHaveProperty('error');
      else if (!('error' in (viaGateway as object))) expect(viaGateway).toEqual(viaZod.data);
    }
  });
});
