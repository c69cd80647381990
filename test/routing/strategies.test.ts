/**
 * The routing strategies, driven directly with a seeded random source (issue 5: a 70/30 split over
 * 10,000 requests lands within ±2 %). Numbers are printed so a run shows what it measured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledTarget } from '../../src/config/compile.ts';
import type { RequestContext } from '../../src/pipeline/context.ts';
import { planRoute } from '../../src/pipeline/route.ts';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { requestShape } from '../../src/routing/request-shape.ts';
import { orderCost } from '../../src/routing/strategies/cost.ts';
import { orderFallback } from '../../src/routing/strategies/fallback.ts';
import { orderLatency } from '../../src/routing/strategies/latency.ts';
import type { StrategyInput } from '../../src/routing/strategies/types.ts';
import { orderWeighted } from '../../src/routing/strategies/weighted.ts';
import { type Compiled, compile, providers, seeded } from './fixtures.ts';

let compiled: Compiled | undefined;
afterEach(async () => {
  await compiled?.close();
  compiled = undefined;
});

const hello: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };

function input(
  c: Compiled,
  random: () => number,
  request: ChatRequest = hello,
  stream = false,
): StrategyInput {
  return { runtime: c.runtime, nowMs: c.clock.now, random, shape: () => requestShape(request), stream };
}

function fakeContext(
  request: ChatRequest,
  headers: Record<string, string> = {},
  stream = false,
): RequestContext {
  return { request, stream, req: { headers } } as unknown as RequestContext;
}

/** Make a target look degraded: enough failures in its recent history to lower its score. */
function degrade(c: Compiled, target: CompiledTarget, successRate: number): void {
  for (let i = 0; i < 200; i++)
    c.runtime.recordHealth(target.runtime, i / 200 < successRate, 10, false, c.clock.now);
}

describe('weighted', () => {
  it('splits 70/30 within ±2 % over 10,000 requests', () => {
    const c = compile({
      providers,
      models: {
        sampled: {
          strategy: 'weighted',
          targets: [
            { target: 'openai/gpt-4.1-mini', weight: 70 },
            { target: 'backup/gpt-4.1', weight: 30 },
          ],
        },
      },
    });
    compiled = c;
    const random = seeded(2024);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const first = orderWeighted([...c.model('sampled').targets], input(c, random))[0] as CompiledTarget;
      counts.set(first.id, (counts.get(first.id) ?? 0) + 1);
    }
    const share = (counts.get('openai/gpt-4.1-mini') ?? 0) / 10_000;
    console.log(
      `[weighted 70/30, 10,000 requests] openai/gpt-4.1-mini ${(share * 100).toFixed(2)} %, backup/gpt-4.1 ${((1 - share) * 100).toFixed(2)} %`,
    );
    expect(Math.abs(share - 0.7)).toBeLessThanOrEqual(0.02);
  });

  it('keeps every other target as a fallback, heaviest first', () => {
    const c = compile({
      providers,
      models: {
        three: {
          strategy: 'weighted',
          targets: [
            { target: 'openai/a', weight: 1 },
            { target: 'openai/b', weight: 5 },
            { target: 'backup/c', weight: 3 },
          ],
        },
      },
    });
    compiled = c;
    const order = orderWeighted(
      [...c.model('three').targets],
      input(c, () => 0),
    ).map((t) => t.id);
    expect(order).toEqual(['openai/a', 'openai/b', 'backup/c']);
  });

  it('shifts traffic away from a degraded target in proportion to its health score', () => {
    const c = compile({
      providers,
      models: { half: { strategy: 'weighted', targets: ['openai/x', 'backup/y'] } },
    });
    compiled = c;
    const [x] = c.model('half').targets;
    degrade(c, x as CompiledTarget, 0.725);
    const score = c.runtime.score((x as CompiledTarget).runtime, c.clock.now);
    const random = seeded(5);
    let first = 0;
    for (let i = 0; i < 10_000; i++)
      if (orderWeighted([...c.model('half').targets], input(c, random))[0]?.id === 'openai/x') first++;
    const expected = score / (score + 1);
    console.log(
      `[weighted 50/50, one target at health ${score.toFixed(3)}] it got ${(first / 100).toFixed(2)} % (expected ${(expected * 100).toFixed(2)} %)`,
    );
    expect(Math.abs(first / 10_000 - expected)).toBeLessThan(0.02);
  });
});

describe('fallback', () => {
  it('keeps the configured order while every target is healthy, without a random draw', () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a', 'backup/b', 'local/c'] } } });
    compiled = c;
    const order = orderFallback(
      [...c.model('smart').targets],
      input(c, () => {
        throw new Error('no random draw expected');
      }),
    );
    expect(order.map((t) => t.id)).toEqual(['openai/a', 'backup/b', 'local/c']);
  });

  it('demotes a degraded primary for a share of requests equal to 1 − score', () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a', 'backup/b'] } } });
    compiled = c;
    degrade(c, c.target('openai/a'), 0.8);
    const score = c.runtime.score(c.target('openai/a').runtime, c.clock.now);
    const random = seeded(9);
    let kept = 0;
    for (let i = 0; i < 10_000; i++)
      if (orderFallback([...c.model('smart').targets], input(c, random))[0]?.id === 'openai/a') kept++;
    console.log(
      `[fallback, primary at health ${score.toFixed(3)}] primary first for ${kept / 100} % of requests`,
    );
    expect(Math.abs(kept / 10_000 - score)).toBeLessThan(0.02);
  });

  it('leaves out a target whose breaker is open, and reports when it may be tried again', () => {
    const c = compile({ providers, models: { smart: { targets: ['openai/a', 'backup/b'] } } });
    compiled = c;
    const a = c.target('openai/a');
    for (let i = 0; i < 5; i++) c.runtime.recordOutcome(a.runtime, 'failure', c.clock.now);
    const plan = planRoute(fakeContext(hello), c.model('smart'), c.runtime, Math.random, c.clock.now);
    expect(plan.targets.map((t) => t.id)).toEqual(['backup/b']);
    expect(plan.blocked).toBe(1);
    expect(plan.blockedUntil).toBe(c.clock.now + 10_000);
    const later = planRoute(
      fakeContext(hello),
      c.model('smart'),
      c.runtime,
      Math.random,
      c.clock.now + 10_000,
    );
    expect(later.targets.map((t) => t.id)).toEqual(['openai/a', 'backup/b']);
  });
});

describe('cost', () => {
  const document = {
    providers,
    models: {
      cheap: {
        strategy: 'cost',
        targets: ['openai/gpt-4.1', 'local/llama', 'openai/gpt-4o-mini', 'backup/gpt-4.1-mini'],
      },
    },
  };

  it('orders by estimated cost, unknown prices last', () => {
    const c = compile(document);
    compiled = c;
    const order = orderCost([...c.model('cheap').targets], input(c, Math.random)).map((t) => t.id);
    expect(order).toEqual(['openai/gpt-4o-mini', 'backup/gpt-4.1-mini', 'openai/gpt-4.1', 'local/llama']);
  });

  it('skips targets whose context window cannot hold the prompt', () => {
    const c = compile(document);
    compiled = c;
    const long: ChatRequest = {
      model: 'cheap',
      messages: [{ role: 'user', content: 'x'.repeat(4 * 200_000) }],
    };
    const order = orderCost([...c.model('cheap').targets], input(c, Math.random, long)).map((t) => t.id);
    expect(order).toEqual(['backup/gpt-4.1-mini', 'openai/gpt-4.1', 'local/llama']);
  });

  it('skips targets whose adapter rejects a feature the request uses (tools, images, JSON schema)', () => {
    const c = compile(document);
    compiled = c;
    const [gpt41, llama, mini4o, mini41] = c.model('cheap').targets as CompiledTarget[];
    const noTools = (target: CompiledTarget): CompiledTarget => ({
      ...target,
      provider: {
        ...target.provider,
        adapter: {
          ...target.provider.adapter,
          capabilities: {
            ...target.provider.adapter.capabilities,
            tools: 'rejected',
            jsonSchema: 'rejected',
          },
        },
      },
    });
    const candidates = [gpt41, llama, noTools(mini4o as CompiledTarget), mini41] as CompiledTarget[];
    const withTools: ChatRequest = {
      ...hello,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    };
    expect(orderCost([...candidates], input(c, Math.random, withTools)).map((t) => t.id)).toEqual([
      'backup/gpt-4.1-mini',
      'openai/gpt-4.1',
      'local/llama',
    ]);
    expect(orderCost([...candidates], input(c, Math.random)).map((t) => t.id)[0]).toBe('openai/gpt-4o-mini');
  });
});

describe('latency', () => {
  it('prefers the lowest recent latency, measures unmeasured targets first, and weighs in health', () => {
    const c = compile({
      providers,
      models: { fast: { strategy: 'latency', targets: ['openai/a', 'backup/b', 'local/c'] } },
    });
    compiled = c;
    const [a, b, cTarget] = c.model('fast').targets as CompiledTarget[];
    c.runtime.recordHealth((a as CompiledTarget).runtime, true, 400, true, c.clock.now);
    c.runtime.recordHealth((b as CompiledTarget).runtime, true, 100, true, c.clock.now);
    const order = () =>
      orderLatency([...c.model('fast').targets], input(c, Math.random, hello, true)).map((t) => t.id);
    expect(order()).toEqual(['local/c', 'backup/b', 'openai/a']);
    c.runtime.recordHealth((cTarget as CompiledTarget).runtime, true, 250, true, c.clock.now);
    expect(order()).toEqual(['backup/b', 'local/c', 'openai/a']);
    degrade(c, b as CompiledTarget, 0.6);
    expect(order()[0]).toBe('local/c');
  });
});

describe('conditional rules', () => {
  const document = {
    providers,
    models: {
      smart: {
        targets: ['openai/gpt-4.1', 'backup/gpt-4.1'],
        rules: [
          { name: 'premium', when: { headers: { 'X-Tier': 'premium' } }, targets: ['openai/o3'] },
          { name: 'long', when: { min_prompt_tokens: 10_000 }, targets: ['backup/gpt-4.1-mini'] },
          { name: 'agent', when: { tools: true }, targets: ['openai/gpt-4.1-mini'], strategy: 'cost' },
          { name: 'think', when: { reasoning_effort: ['high', 'xhigh'] }, targets: ['openai/o4-mini'] },
          { name: 'batch', when: { metadata: { lane: 'batch' } }, targets: ['local/llama'] },
        ],
      },
    },
  };

  it('picks the first rule whose conditions all hold, else the model’s own targets', () => {
    const c = compile(document);
    compiled = c;
    const route = (request: Partial<ChatRequest>, headers: Record<string, string> = {}) => {
      const plan = planRoute(
        fakeContext({ ...hello, ...request } as ChatRequest, headers),
        c.model('smart'),
        c.runtime,
        Math.random,
        c.clock.now,
      );
      return [plan.rule, plan.strategy, ...plan.targets.map((t) => t.id)];
    };
    expect(route({})).toEqual([null, 'fallback', 'openai/gpt-4.1', 'backup/gpt-4.1']);
    expect(route({}, { 'x-tier': 'premium' })).toEqual(['premium', 'fallback', 'openai/o3']);
    expect(route({ messages: [{ role: 'user', content: 'y'.repeat(50_000) }] })).toEqual([
      'long',
      'fallback',
      'backup/gpt-4.1-mini',
    ]);
    expect(route({ tools: [{ type: 'function', function: { name: 'f' } }] })).toEqual([
      'agent',
      'cost',
      'openai/gpt-4.1-mini',
    ]);
    expect(route({ reasoning_effort: 'high' })).toEqual(['think', 'fallback', 'openai/o4-mini']);
    expect(route({ reasoning_effort: 'low' })[0]).toBeNull();
    expect(route({ metadata: { lane: 'batch' } })).toEqual(['batch', 'fallback', 'local/llama']);
  });
});

describe('request shape', () => {
  it('estimates prompt tokens from text, tool schemas and images, and notes the features used', () => {
    const shape = requestShape({
      model: 'm',
      messages: [
        { role: 'system', content: 'a'.repeat(400) },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'b'.repeat(400) },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
      max_tokens: 256,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      reasoning_effort: 'medium',
    });
    expect(shape).toEqual({
      promptTokens: 200 + 2 * 4 + 765,
      maxOutputTokens: 256,
      tools: false,
      images: true,
      audio: false,
      jsonSchema: true,
      jsonObject: false,
      reasoningEffort: 'medium',
    });
  });
});
