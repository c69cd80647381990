/**
 * The fault matrix of issue 13: each named fault model (src/demo/fakes/shared/fault-models.ts) against a
 * two-target chain with default settings (only addresses and keys configured), through the real gateway
 * and the OpenAI SDK. The client gets the whole, correct answer, or (content filter) the right error,
 * within bounded time and attempts; the suite prints a table of outcome, attempts and time.
 *
 * The chain: primary = fake OpenAI `gpt-4.1` (continuation off: OpenAI has no prefix mode), fallback =
 * fake Mistral `mistral-large-latest` (continuation `prefix` by default: `prefix: true`). Each row gets
 * its own gateway, so breakers, cooldowns and latency statistics never carry over.
 */
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import { FAULT_MODELS, type FaultModelName } from '../../src/demo/fakes/shared/fault-models.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { countTokens } from '../../src/demo/fakes/shared/tokens.ts';
import { waitFor } from '../helpers/gateway.ts';
import { type ResilienceGateway, requestLines, startGateway, UNLIMITED } from './resilience-harness.ts';

const TEXT =
  'Resilient gateways keep answers whole: when one upstream fails, another carries the rest of the sentence to its end.';

let primary: FakeServer;
let backup: FakeServer;
let claude: FakeServer;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-primary'], rateLimits: UNLIMITED });
  backup = await startMistralFake({
    keys: ['mk-backup'],
    rateLimits: { requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000 },
  });
  claude = await startAnthropicFake({ keys: ['ak-claude'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
  await claude?.stop();
});
beforeEach(() => {
  primary.control.clear();
  backup.control.clear();
  claude.control.clear();
});

function document(fallback = 'backup/mistral-large-latest') {
  return {
    providers: {
      primary: { type: 'openai', keys: ['sk-primary'], base_url: `${primary.url}/v1` },
      backup: { type: 'mistral', keys: ['mk-backup'], base_url: `${backup.url}/v1` },
      claude: { type: 'anthropic', keys: ['ak-claude'], base_url: claude.url },
    },
    models: { smart: { targets: ['primary/gpt-4.1', fallback] } },
    // Output moderation holds each sentence back until it is judged, so a cut early in a stream leaves
    // nothing delivered and the fallback simply answers afresh (the better outcome). These rows pin down
    // what happens to text the client has already seen, so moderation is off; every other setting is
    // the default.
    guardrails: { moderation: { backend: 'off' } },
  };
}

interface Answer {
  ok: boolean;
  text: string;
  finish: string | null;
  model: string | null;
  usage: OpenAI.CompletionUsage | null;
  provider: string | null;
  attempts: number;
  status: number;
  code: string | null;
  ms: number;
}

async function ask(client: OpenAI, stream: boolean): Promise<Answer> {
  const started = performance.now();
  const request = {
    model: 'smart',
    messages: [{ role: 'user' as const, content: 'Tell me about resilience' }],
  };
  const answer: Answer = {
    ok: false,
    text: '',
    finish: null,
    model: null,
    usage: null,
    provider: null,
    attempts: 0,
    status: 0,
    code: null,
    ms: 0,
  };
  try {
    if (stream) {
      const { data, response } = await client.chat.completions
        .create({ ...request, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      answer.provider = response.headers.get('x-switchyard-provider');
      answer.status = response.status;
      for await (const chunk of data) {
        answer.text += chunk.choices[0]?.delta.content ?? '';
        answer.finish = chunk.choices[0]?.finish_reason ?? answer.finish;
        answer.model = chunk.model;
        if (chunk.usage) answer.usage = chunk.usage;
      }
    } else {
      const { data, response } = await client.chat.completions.create(request).withResponse();
      answer.provider = response.headers.get('x-switchyard-provider');
      answer.status = response.status;
      answer.text = data.choices[0]?.message.content ?? '';
      answer.finish = data.choices[0]?.finish_reason ?? null;
      answer.model = data.model;
      answer.usage = data.usage ?? null;
    }
    answer.ok = answer.finish === 'stop';
  } catch (error) {
    const apiError = error as { status?: number; code?: string | null; headers?: Headers };
    answer.status = apiError.status ?? answer.status;
    answer.code = apiError.code ?? null;
  }
  answer.ms = performance.now() - started;
  return answer;
}

/** Attempts from the request's log line (a stream's headers are sent before its last attempt). */
async function loggedAttempts(g: ResilienceGateway, index: number): Promise<Array<Record<string, unknown>>> {
  await waitFor(() => requestLines(g.logs).length > index);
  return requestLines(g.logs)[index]?.attempts as unknown as Array<Record<string, unknown>>;
}

interface Row {
  fault: FaultModelName;
  stream: boolean;
  /** Streamed successes that warm the primary's first-token statistics first (the adaptive deadline). */
  warm?: number;
  /** The scripted text on both fakes, so a continued answer can be checked word for word. */
  scripted?: boolean;
  fallback?: string;
  expect: {
    provider: 'primary' | 'backup' | 'claude' | null;
    maxAttempts: number;
    maxMs: number;
    /** Error code when the client is to get an error, not an answer. */
    error?: string;
    seam?: boolean;
  };
}

const rows: Row[] = [
  {
    fault: 'rate-limit-hinted-once',
    stream: false,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'rate-limit-hinted-persistent',
    stream: false,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'rate-limit-unhinted-once',
    stream: false,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'rate-limit-unhinted-persistent',
    stream: true,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'server-error-once',
    stream: false,
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'unavailable-persistent',
    stream: true,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'reset-before-headers',
    stream: true,
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'no-response',
    stream: true,
    warm: 20,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 12_500 },
  },
  {
    fault: 'slow-first-token',
    stream: true,
    warm: 20,
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 12_500 },
  },
  {
    fault: 'stream-cut',
    stream: true,
    scripted: true,
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 1_000, seam: true },
  },
  {
    fault: 'stream-stall',
    stream: true,
    scripted: true,
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 12_500, seam: true },
  },
  {
    fault: 'malformed-chunk',
    stream: true,
    scripted: true,
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 1_000, seam: true },
  },
  {
    fault: 'no-done',
    stream: true,
    scripted: true,
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'context-length',
    stream: false,
    // A fallback whose context window is unknown is tried (issue 13), never the same target again.
    fallback: 'backup/open-mistral-nemo',
    expect: { provider: 'backup', maxAttempts: 2, maxMs: 1_000 },
  },
  {
    fault: 'content-filter',
    stream: false,
    expect: { provider: null, maxAttempts: 1, maxMs: 1_000, error: 'content_filter' },
  },
  {
    fault: 'stream-cut',
    stream: true,
    scripted: true,
    // Claude Opus 4.6 rejects prefill: nowhere to continue, so the original failure is the answer.
    fallback: 'claude/claude-opus-4-6',
    expect: { provider: 'primary', maxAttempts: 2, maxMs: 1_000, error: 'upstream_stream_error' },
  },
];

const table: string[] = [];

describe('fault matrix (two targets, default settings)', () => {
  afterAll(() => {
    console.log(
      [
        '| fault | stream | fallback | outcome | answered by | attempts | time |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...table,
      ].join('\n'),
    );
  });

  it.each(rows)('$fault (stream: $stream, fallback: $fallback)', async (row) => {
    const g = await startGateway(document(row.fallback));
    try {
      for (let i = 0; i < (row.warm ?? 0); i++) expect((await ask(g.client, true)).ok).toBe(true);
      const model = FAULT_MODELS[row.fault];
      if (model.persistent) primary.control.setModelScript('gpt-4.1', model.script);
      else
        primary.control.enqueue(row.scripted ? { ...model.script, reply: { content: TEXT } } : model.script);
      if (row.scripted) {
        backup.control.enqueue({ reply: { content: TEXT } });
        claude.control.enqueue({ reply: { content: TEXT } });
      }
      const answer = await ask(g.client, row.stream);
      const attempts = await loggedAttempts(g, row.warm ?? 0);
      const line = requestLines(g.logs)[row.warm ?? 0] as Record<string, unknown>;
      if (process.env.DEBUG_MATRIX)
        console.log(JSON.stringify({ answer, line, errors: g.logs.filter((l) => l.level === 50) }));
      const outcome = answer.ok ? 'whole answer' : `error ${answer.code ?? answer.status}`;
      table.push(
        `| ${row.fault} | ${row.stream} | ${(row.fallback ?? 'backup/mistral-large-latest').split('/')[0]} | ${outcome} | ${String(line.provider)} | ${attempts.map((a) => `${String(a.target).split('/')[0]}:${String(a.outcome)}`).join(' → ')} | ${Math.round(answer.ms)} ms |`,
      );

      expect(attempts.length).toBeLessThanOrEqual(row.expect.maxAttempts);
      expect(answer.ms).toBeLessThan(row.expect.maxMs);
      if (row.expect.error !== undefined) {
        expect(answer.ok).toBe(false);
        expect(answer.finish).not.toBe('stop');
        expect(answer.code).toBe(row.expect.error);
        return;
      }
      expect(answer.ok).toBe(true);
      expect(answer.provider).toBe(row.expect.provider);
      if (row.scripted) expect(answer.text).toBe(TEXT);
      else expect(answer.text.length).toBeGreaterThan(0);
      if (row.stream) expect(answer.usage?.completion_tokens ?? 0).toBeGreaterThan(0);
      if (row.expect.seam === true) {
        // The seam is in the log; the continued answer names the model that finished it, and its usage
        // counts both attempts (more completion tokens than the continuation alone produced).
        expect(line.seams).toEqual([expect.objectContaining({ from: 'primary/gpt-4.1', mode: 'prefix' })]);
        expect(line.provider).toBe('backup');
        expect(answer.model).toMatch(/mistral/);
        // The broken attempt reported no usage (OpenAI sends it at the end): its share is estimated from
        // what it delivered, about four characters a token; the continuation's is the fake's own count.
        const atChars = Number((line.seams as Array<{ at_chars: number }>)[0]?.at_chars);
        const expected = Math.ceil(atChars / 4) + countTokens(TEXT.slice(atChars));
        expect(answer.usage?.completion_tokens).toBe(expected);
        expect((line.usage as { completion: number }).completion).toBe(expected);
        // Part of it is an estimate, and the log says so.
        expect(line.usage_estimated).toBe(true);
      }
      if (row.fault === 'unavailable-persistent') {
        expect(answer.model).toMatch(/mistral/);
        expect(answer.usage?.total_tokens ?? 0).toBeGreaterThan(0);
      }
    } finally {
      primary.control.setModelScript('gpt-4.1', undefined);
      await g.stop();
    }
  });
});

describe('a 60 s flap under steady traffic (default settings, simulated time)', () => {
  it('serves every request and uses the primary again within one probe interval of its recovery', async () => {
    // The gateway's clock (breakers, cooldowns, health) runs 1 s per step; each step sends 3 requests.
    const skew = { ms: 0 };
    const g = await startGateway(document(), { clock: () => Date.now() + skew.ms });
    try {
      primary.control.setModelScript('gpt-4.1', FAULT_MODELS['unavailable-persistent'].script);
      const served: Array<{ second: number; provider: string | null; ok: boolean }> = [];
      let recoveredAt = -1;
      for (let second = 0; second < 120; second++) {
        if (second === 60) {
          primary.control.setModelScript('gpt-4.1', undefined);
          recoveredAt = second;
        }
        for (let i = 0; i < 3; i++) {
          const answer = await ask(g.client, false);
          served.push({ second, provider: answer.provider, ok: answer.ok });
        }
        skew.ms += 1_000;
      }
      const back = served.find((s) => s.second >= recoveredAt && s.provider === 'primary');
      const during = served.filter((s) => s.second < recoveredAt && s.provider === 'primary').length;
      console.log(
        `[60 s flap] ${served.filter((s) => s.ok).length}/${served.length} ok; primary answered ${during} requests while down; back on the primary ${back === undefined ? 'never' : `${back.second - recoveredAt} s`} after it recovered`,
      );
      expect(served.every((s) => s.ok)).toBe(true);
      expect(during).toBe(0);
      expect(back).toBeDefined();
      // One probe interval (30 s) at most: the open period is capped there, and a trial's first success closes it.
      expect((back?.second ?? Number.POSITIVE_INFINITY) - recoveredAt).toBeLessThanOrEqual(30);
    } finally {
      primary.control.setModelScript('gpt-4.1', undefined);
      await g.stop();
    }
  }, 120_000);
});

describe('stream recovery, `prompt` mode (an explicit opt-in)', () => {
  it('continues on a model that rejects prefill with a "continue" user turn, and logs the seam as such', async () => {
    const base = document('claude/claude-opus-4-6');
    const g = await startGateway({
      ...base,
      providers: { ...base.providers, claude: { ...base.providers.claude, continuation: 'prompt' } },
    });
    try {
      primary.control.enqueue({ ...FAULT_MODELS['stream-cut'].script, reply: { content: TEXT } });
      claude.control.enqueue({ reply: { content: 'the rest of the sentence to its end.' } });
      const before = claude.requests.length;
      const answer = await ask(g.client, true);
      await loggedAttempts(g, 0);
      const line = requestLines(g.logs)[0] as Record<string, unknown>;
      expect(answer.ok).toBe(true);
      expect(answer.finish).toBe('stop');
      expect(line.seams).toEqual([expect.objectContaining({ to: 'claude/claude-opus-4-6', mode: 'prompt' })]);
      const atChars = Number((line.seams as Array<{ at_chars: number }>)[0]?.at_chars);
      expect(answer.text).toBe(`${TEXT.slice(0, atChars)}the rest of the sentence to its end.`);
      // The continuation asked in a user turn, after the delivered text as the assistant's.
      const sent = claude.requests[before]?.body as { messages: Array<{ role: string; content: unknown }> };
      expect(sent.messages.at(-1)?.role).toBe('user');
      expect(JSON.stringify(sent.messages.at(-1)?.content)).toMatch(/Continue it exactly where it stopped/);
      expect(JSON.stringify(sent.messages.at(-2)?.content)).toContain(TEXT.slice(0, atChars).trimEnd());
    } finally {
      await g.stop();
    }
  });
});

describe('defaults that rescue (issue 13, one test each)', () => {
  it('takes a model’s own first-token deadline over its providers’', async () => {
    const g = await startGateway({
      ...document(),
      models: {
        smart: { targets: ['primary/gpt-4.1', 'backup/mistral-large-latest'] },
        quick: {
          targets: ['primary/gpt-4.1', 'backup/mistral-large-latest'],
          first_token_deadline: { multiple: 2, floor_ms: 300, min_samples: 1 },
        },
      },
    });
    try {
      const stream = (model: string) =>
        g.client.chat.completions
          .create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true })
          .withResponse();
      const warm = await stream('quick');
      for await (const _ of warm.data);
      primary.control.enqueue({ firstByteMs: 3_000 });
      const started = performance.now();
      const { data, response } = await stream('quick');
      for await (const _ of data);
      const ms = performance.now() - started;
      console.log(
        `[per-model first-token deadline: floor 300 ms] first token after 3 s: answered by the fallback in ${Math.round(ms)} ms`,
      );
      expect(response.headers.get('x-switchyard-provider')).toBe('backup');
      expect(ms).toBeLessThan(2_000);
    } finally {
      await g.stop();
    }
  });

  it('a 429 without retry-after on one model leaves the same key free for another model of the provider', async () => {
    const g = await startGateway({
      providers: { primary: { type: 'openai', keys: ['sk-primary'], base_url: `${primary.url}/v1` } },
      models: { smart: { targets: ['primary/gpt-4.1', 'primary/gpt-4.1-mini'] } },
    });
    try {
      primary.control.setModelScript('gpt-4.1', FAULT_MODELS['rate-limit-unhinted-persistent'].script);
      const answer = await ask(g.client, false);
      const attempts = await loggedAttempts(g, 0);
      console.log(`[429 on gpt-4.1, no retry-after] answered by gpt-4.1-mini in ${Math.round(answer.ms)} ms`);
      expect(answer.ok).toBe(true);
      expect(answer.model).toMatch(/gpt-4.1-mini/);
      expect(attempts.map((a) => [a.target, a.outcome])).toEqual([
        ['primary/gpt-4.1', 'rate_limited'],
        ['primary/gpt-4.1-mini', 'ok'],
      ]);
      expect(answer.ms).toBeLessThan(1_000);
    } finally {
      primary.control.setModelScript('gpt-4.1', undefined);
      await g.stop();
    }
  });
});
