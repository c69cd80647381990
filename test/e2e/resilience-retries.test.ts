/**
 * Retries, fallback, deadlines and key rotation through the real gateway (issue 5). Each test starts
 * its own gateway, so breakers and cooldowns never carry over between tests.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { waitFor } from '../helpers/gateway.ts';
import { ask, type ResilienceGateway, requestLines, startGateway, UNLIMITED } from './resilience-harness.ts';

let primary: FakeServer;
let backup: FakeServer;
let gw: ResilienceGateway | undefined;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-primary-a', 'sk-primary-b'], rateLimits: UNLIMITED });
  backup = await startFakeOpenAI({ keys: ['sk-backup'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
});
beforeEach(() => {
  primary.control.clear();
  backup.control.clear();
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const FIRST_BYTE_MS = 1_000;

function providers(primaryKeys = ['sk-primary-a']) {
  return {
    primary: {
      type: 'openai',
      keys: primaryKeys,
      base_url: `${primary.url}/v1`,
      first_byte_timeout_ms: FIRST_BYTE_MS,
    },
    backup: { type: 'openai', keys: ['sk-backup'], base_url: `${backup.url}/v1` },
  };
}

async function start(models: Record<string, unknown>, extra: Record<string, unknown> = {}, keys?: string[]) {
  gw = await startGateway({
    providers: providers(keys),
    models,
    health: { probe_interval_ms: 0 },
    ...extra,
  });
  return gw;
}

const chat = (client: OpenAI, model: string) =>
  client.chat.completions
    .create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })
    .withResponse();

function primaryChats(since: number): string[] {
  return primary.requests
    .slice(since)
    .filter((r) => r.path === '/v1/chat/completions')
    .map((r) => String(r.headers.authorization));
}

describe('key rotation', () => {
  it('moves traffic to the other key when one key gets a 429 with retry-after, with no client-visible error', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } }, {}, [
      'sk-primary-a',
      'sk-primary-b',
    ]);
    const before = primary.requests.length;
    // The first request goes out on key a (round-robin starts there) and is throttled.
    primary.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await ask(g.client, 'smart'));
    const keys = primaryChats(before);
    console.log(`[key rotation] keys used, in order: ${keys.map((k) => k.slice(-1)).join(' ')}`);
    expect(outcomes.every((o) => o.ok && o.provider === 'primary')).toBe(true);
    expect(outcomes[0]?.attempts).toBe(2);
    expect(keys[0]).toBe('Bearer sk-primary-a');
    // Key a cools down for its retry-after: everything after the 429 goes to key b.
    expect(keys.slice(1)).toEqual(Array(6).fill('Bearer sk-primary-b'));
    const keyLines = requestLines(g.logs)[0]?.attempts.map(
      (a) => (a as unknown as { key_id: string }).key_id,
    );
    expect(keyLines?.[0]).toMatch(/^key_[0-9a-f]{8}$/);
    expect(JSON.stringify(g.logs)).not.toContain('sk-primary');
  });

  // Issue 10: one refusal took the key out of service for every tenant; now it is only counted.
  it('serves a request refused with 401 from the next key, and keeps the refused key in rotation', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1'] } }, {}, ['sk-primary-a', 'sk-primary-b']);
    primary.control.enqueue({ fault: { kind: 'status', status: 401 } });
    const before = primary.requests.length;
    const outcomes = [
      await ask(g.client, 'smart'),
      await ask(g.client, 'smart'),
      await ask(g.client, 'smart'),
    ];
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(primaryChats(before)).toEqual([
      'Bearer sk-primary-a',
      'Bearer sk-primary-b',
      'Bearer sk-primary-a',
      'Bearer sk-primary-b',
    ]);
    expect(g.logs.some((line) => line.alert === 'provider_key_rejected')).toBe(false);
    expect(JSON.stringify(g.logs)).not.toContain('sk-primary');
    const metric = await g.metrics.keyAuthFailures.get();
    expect(metric.values).toEqual([{ labels: { provider: 'primary' }, value: 1 }]);
    const cooldowns = await g.metrics.keyCooldowns.get();
    expect(cooldowns.values.filter((v) => v.labels.reason === 'auth')).toEqual([]);
  });

  it('takes a key out of service at its third refusal, alerts with its id, and serves from the next key', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1'] } }, {}, ['sk-primary-a', 'sk-primary-b']);
    const before = primary.requests.length;
    // Each refusal lands on key a: every request starts there (key b answered the one before, so the
    // round-robin cursor is back at a), is refused, and falls over to key b.
    for (let i = 0; i < 3; i++) {
      primary.control.enqueue({ fault: { kind: 'status', status: 401 } });
      expect((await ask(g.client, 'smart')).ok).toBe(true);
    }
    const afterStrikes = primary.requests.length;
    expect((await ask(g.client, 'smart')).ok).toBe(true);
    expect((await ask(g.client, 'smart')).ok).toBe(true);
    expect(primaryChats(afterStrikes)).toEqual(['Bearer sk-primary-b', 'Bearer sk-primary-b']);
    expect(primaryChats(before).filter((auth) => auth === 'Bearer sk-primary-a')).toHaveLength(3);
    const alert = g.logs.find((line) => line.alert === 'provider_key_rejected');
    expect(alert).toMatchObject({ level: 50, provider: 'primary' });
    expect(String(alert?.key_id)).toMatch(/^key_[0-9a-f]{8}$/);
    expect(JSON.stringify(g.logs)).not.toContain('sk-primary');
    const scraped = await (await fetch(`${g.url}/metrics`)).text();
    expect(scraped).toContain('switchyard_provider_key_auth_failures_total{provider="primary"} 3');
    expect(scraped).toContain('switchyard_provider_key_cooldowns_total{provider="primary",reason="auth"} 1');
  });

  // Issue 10: a 403 about a resource is the request's answer, and says nothing about the key.
  it('answers an upstream 403 to the client as a 403, and touches neither the key nor the breaker', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } }, {}, [
      'sk-primary-a',
      'sk-primary-b',
    ]);
    primary.control.enqueue({ fault: { kind: 'status', status: 403 } });
    const before = primary.requests.length;
    const backupBefore = backup.requests.length;
    const refused = await chat(g.client, 'smart').catch((e: unknown) => e);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect((refused as InstanceType<typeof OpenAI.APIError>).type).toBe('permission_error');
    expect(backup.requests.length).toBe(backupBefore);
    expect((await ask(g.client, 'smart')).ok).toBe(true);
    expect((await ask(g.client, 'smart')).ok).toBe(true);
    expect(primaryChats(before)).toEqual([
      'Bearer sk-primary-a',
      'Bearer sk-primary-b',
      'Bearer sk-primary-a',
    ]);
    expect(g.logs.some((line) => line.alert === 'provider_key_rejected')).toBe(false);
    expect((await g.metrics.keyAuthFailures.get()).values).toEqual([]);
  });
});

describe('refused keys', () => {
  it('answers 502 upstream_auth_failed; after three refusals the provider is not called again', async () => {
    const g = await start({ solo: { targets: ['primary/gpt-4.1'] } });
    for (let i = 0; i < 3; i++) {
      primary.control.enqueue({ fault: { kind: 'status', status: 401 } });
      const before = primary.requests.length;
      const refused = await chat(g.client, 'solo').catch((e: unknown) => e);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_auth_failed');
      // One attempt: the request never goes back to the key that refused it.
      expect(primaryChats(before)).toHaveLength(1);
    }
    const before = primary.requests.length;
    const second = await chat(g.client, 'solo').catch((e: unknown) => e);
    expect((second as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_auth_failed');
    expect(primaryChats(before)).toHaveLength(0);
  });
});

describe('Retry-After', () => {
  it('retries the same target after the retry-after of a 429 (2 s), never sooner', async () => {
    const g = await start({ solo: { targets: ['primary/gpt-4.1'] } });
    primary.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 2 } });
    const started = Date.now();
    const { response } = await chat(g.client, 'solo');
    const elapsed = Date.now() - started;
    console.log(
      `[retry-after: 2] answered after ${elapsed} ms with ${response.headers.get('x-switchyard-attempts')} attempts`,
    );
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    // "About 2 s": the wait is the provider's, not a backoff stacked on top of it.
    expect(elapsed).toBeLessThan(3_000);
    // The cooldown runs from the 429's arrival; the logged sleep starts a moment later, when the loop
    // decides, so it is the provider's 2 s less that moment (the retry itself is never sooner: above).
    const attempts = requestLines(g.logs).at(-1)?.attempts as unknown as Array<{ wait_ms: number }>;
    expect(attempts[1]?.wait_ms).toBeGreaterThanOrEqual(1_950);
  });

  it('honours a retry-after given as an HTTP date, measured against the response date', async () => {
    // A short no-hint cooldown, so a date the gateway failed to read would show as a 100 ms wait.
    const g = await start(
      { solo: { targets: ['primary/gpt-4.1'] } },
      { routing: { rate_limit_cooldown_ms: 100 } },
    );
    // Three seconds from now, at HTTP-date resolution (whole seconds): against the fake's own `date`
    // header (sent a few ms later) the wait is 3 s, or 2 s if a second boundary falls in between.
    const at = new Date(Date.now() + 3_000).toUTCString();
    primary.control.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after': at } } });
    const before = primary.requests.length;
    const started = Date.now();
    const { response } = await chat(g.client, 'solo');
    const elapsed = Date.now() - started;
    const attempts = requestLines(g.logs).at(-1)?.attempts as unknown as Array<{
      outcome: string;
      wait_ms: number;
    }>;
    console.log(
      `[retry-after: HTTP date ${at}] answered after ${elapsed} ms, second attempt waited ${attempts[1]?.wait_ms} ms`,
    );
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(attempts.map((a) => a.outcome)).toEqual(['rate_limited', 'ok']);
    expect(primaryChats(before)).toHaveLength(2);
    // A date this far out can only be 2 or 3 s, and never less.
    expect(attempts[1]?.wait_ms).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('fails over at once instead of waiting when another target can answer', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    primary.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 2 } });
    const before = primary.requests.length;
    const started = Date.now();
    const { response } = await chat(g.client, 'smart');
    const elapsed = Date.now() - started;
    console.log(
      `[retry-after: 2, with a fallback] answered by ${response.headers.get('x-switchyard-provider')} after ${elapsed} ms`,
    );
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(elapsed).toBeLessThan(2_000);
    expect(primaryChats(before)).toHaveLength(1);
  });

  it('answers 429 with the retry-after at once when the wait does not fit retry.max_wait_ms', async () => {
    const g = await start({ solo: { targets: ['primary/gpt-4.1'] } }, { retry: { max_wait_ms: 1_000 } });
    primary.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
    const started = Date.now();
    const error = await chat(g.client, 'solo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
    expect(Date.now() - started).toBeLessThan(1_000);
    // The key stays cooling: the next request does not hammer the provider, it is told to wait.
    const before = primary.requests.length;
    const again = await chat(g.client, 'solo').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OpenAI.RateLimitError);
    expect(primaryChats(before)).toHaveLength(0);
  });
});

describe('retries and fallback', () => {
  it('retries a single-target model after a 5xx with backoff, and logs why each attempt was made', async () => {
    const g = await start({ solo: { targets: ['primary/gpt-4.1'] } });
    primary.control.enqueue({ fault: { kind: 'status', status: 503 } }, 2);
    const { response } = await chat(g.client, 'solo');
    expect(response.headers.get('x-switchyard-attempts')).toBe('3');
    const attempts = requestLines(g.logs).at(-1)?.attempts ?? [];
    expect(attempts.map((a) => a.outcome)).toEqual(['overloaded', 'overloaded', 'ok']);
    expect(attempts.map((a) => a.target)).toEqual(['primary/gpt-4.1', 'primary/gpt-4.1', 'primary/gpt-4.1']);
  });

  it('gives up after retry.max_attempts', async () => {
    const g = await start({ solo: { targets: ['primary/gpt-4.1'] } }, { retry: { max_attempts: 3 } });
    primary.control.setModelScript('gpt-4.1', { fault: { kind: 'status', status: 500 } });
    const error = await chat(g.client, 'solo').catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-switchyard-attempts')).toBe('3');
  });

  // Every retryable class of issue 5 falls over to the next target before the client sees a byte.
  // (Connection refused and 500s: resilience-outage.test.ts; silence: the deadlines below.)
  const retryable = [
    { name: '529 overloaded', fault: { kind: 'status' as const, status: 529 }, outcome: 'overloaded' },
    { name: '503', fault: { kind: 'status' as const, status: 503 }, outcome: 'overloaded' },
    { name: '502', fault: { kind: 'status' as const, status: 502 }, outcome: 'server' },
    { name: 'a reset connection', fault: { kind: 'reset' as const }, outcome: 'network' },
    {
      name: 'a malformed answer (an HTML page with status 200)',
      fault: { kind: 'status' as const, status: 200, body: '<html><body>502 Bad Gateway</body></html>' },
      outcome: 'server',
    },
    { name: 'a body cut halfway', fault: { kind: 'cut' as const, afterChunks: 0 }, outcome: 'network' },
  ];
  // A 5xx or reset gets one quick retry of the same target first (retry.same_target_retries, issue 13);
  // an overload goes straight to the fallback. Here the fault persists past the quick retry.
  it.each(retryable)('falls over to the next target on $name', async ({ fault, outcome }) => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    const quick = outcome !== 'overloaded';
    primary.control.enqueue({ fault }, quick ? 2 : 1);
    const { data, response } = await chat(g.client, 'smart');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe(quick ? '3' : '2');
    await waitFor(() => requestLines(g.logs).length > 0);
    const attempts = (requestLines(g.logs)[0]?.attempts ?? []) as unknown as Array<{
      target: string;
      outcome: string;
      reason: string;
    }>;
    expect(attempts.map((a) => [a.target, a.outcome, a.reason])).toEqual([
      ['primary/gpt-4.1', outcome, 'first'],
      ...(quick ? [['primary/gpt-4.1', outcome, 'retry']] : []),
      ['backup/gpt-4.1', 'ok', 'fallback'],
    ]);
  });

  it.each(retryable.filter((r) => r.outcome !== 'overloaded'))(
    'retries the same target once, quickly, on one $name',
    async ({ fault, outcome }) => {
      const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
      primary.control.enqueue({ fault });
      const { response } = await chat(g.client, 'smart');
      expect(response.headers.get('x-switchyard-provider')).toBe('primary');
      expect(response.headers.get('x-switchyard-attempts')).toBe('2');
      await waitFor(() => requestLines(g.logs).length > 0);
      const attempts = (requestLines(g.logs)[0]?.attempts ?? []) as unknown as Array<{
        outcome: string;
        wait_ms: number;
      }>;
      expect(attempts.map((a) => a.outcome)).toEqual([outcome, 'ok']);
      // Equal jitter around retry.same_target_delay_ms (100): between 50 and 100 ms.
      expect(attempts[1]?.wait_ms).toBeGreaterThanOrEqual(50);
      expect(attempts[1]?.wait_ms).toBeLessThanOrEqual(100);
    },
  );

  it.each([400, 422])('returns a %i at once, never retried or failed over', async (status) => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    primary.control.enqueue({ fault: { kind: 'status', status } });
    const before = backup.requests.length;
    const error = await chat(g.client, 'smart').catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-switchyard-attempts')).toBe('1');
    expect(backup.requests.length).toBe(before);
  });

  const contextError = {
    kind: 'status' as const,
    status: 400,
    body: {
      error: {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
  };

  it('falls over to a target with a larger context window on context_length', async () => {
    const g = await start({ long: { targets: ['primary/gpt-4o', 'backup/gpt-4.1'] } });
    primary.control.enqueue({ fault: contextError });
    const { response } = await chat(g.client, 'long');
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('answers context_length_exceeded when no other target has a larger window', async () => {
    const g = await start({ long: { targets: ['primary/gpt-4.1', 'backup/gpt-4o'] } });
    primary.control.enqueue({ fault: contextError });
    const before = backup.requests.length;
    const error = await chat(g.client, 'long').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    expect(backup.requests.length).toBe(before);
  });
});

describe('deadlines', () => {
  it('a silent target costs one time-to-first-token deadline: the fallback answers right after it', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    primary.control.setModelScript('gpt-4.1', { fault: { kind: 'stall' } });
    const before = primary.requests.length;
    const started = Date.now();
    const { response } = await chat(g.client, 'smart');
    const elapsed = Date.now() - started;
    await waitFor(() => requestLines(g.logs).length > 0);
    const attempts = requestLines(g.logs)[0]?.attempts as unknown as Array<{
      outcome: string;
      duration_ms: number;
      wait_ms: number;
    }>;
    const [silent, fallback] = attempts;
    console.log(
      `[silent target, first-byte deadline ${FIRST_BYTE_MS} ms] answered by the fallback after ${elapsed} ms: the silent attempt took ${silent?.duration_ms} ms, the fallback's ${fallback?.duration_ms} ms`,
    );
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 'ok']);
    expect(primaryChats(before)).toHaveLength(1);
    // One deadline, never several. undici checks first-byte deadlines on a shared ~0.5 s tick
    // (docs/style.md §1.3), so the silent attempt ends within a second of its deadline; the fallback goes
    // out at once (no backoff), so the whole request is that deadline plus the fallback's own latency.
    expect(silent?.duration_ms).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 10);
    expect(silent?.duration_ms).toBeLessThan(FIRST_BYTE_MS + 1_000);
    expect(fallback?.wait_ms).toBe(0);
    expect(elapsed).toBeLessThan((silent?.duration_ms ?? 0) + (fallback?.duration_ms ?? 0) + 250);
  });

  it('holds a stream whose headers came but no event to the same first-byte deadline, then falls over invisibly', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    primary.control.setModelScript('gpt-4.1', { fault: { kind: 'stall-after-headers' } });
    backup.control.enqueue({ reply: { content: 'from the backup' } });
    const before = primary.requests.length;
    const started = Date.now();
    const { data: stream, response } = await g.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const elapsed = Date.now() - started;
    await waitFor(() => requestLines(g.logs).length > 0);
    const attempts = requestLines(g.logs)[0]?.attempts as unknown as Array<{
      outcome: string;
      duration_ms: number;
    }>;
    console.log(
      `[stream headers, then silence; first-byte deadline ${FIRST_BYTE_MS} ms] answered by the fallback after ${elapsed} ms (silent attempt ${attempts[0]?.duration_ms} ms)`,
    );
    expect(text).toBe('from the backup');
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 'ok']);
    expect(primaryChats(before)).toHaveLength(1);
    // Without its own deadline this stream waited for the idle timeout (5 minutes by default).
    expect(attempts[0]?.duration_ms).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 10);
    expect(attempts[0]?.duration_ms).toBeLessThan(FIRST_BYTE_MS + 500);
  });

  it('does not retry a silent target within the request, even with no fallback', async () => {
    const g = await start({ solo: { targets: ['primary/gpt-4.1'] } });
    primary.control.setModelScript('gpt-4.1', { fault: { kind: 'stall' } });
    const before = primary.requests.length;
    const error = await chat(g.client, 'solo').catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-switchyard-attempts')).toBe('1');
    expect(primaryChats(before)).toHaveLength(1);
  });

  it('fails over when an answer takes longer than the provider timeout_ms', async () => {
    gw = await startGateway({
      providers: {
        ...providers(),
        primary: { type: 'openai', keys: ['sk-primary-a'], base_url: `${primary.url}/v1`, timeout_ms: 1_500 },
      },
      models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
      health: { probe_interval_ms: 0 },
    });
    // A non-streamed answer arrives when generation is done: here after about 3 s.
    primary.control.enqueue({
      tokenIntervalMs: 400,
      reply: { content: 'one two three four five six seven' },
    });
    const { response } = await chat(gw.client, 'smart');
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('ends a stream that outlives timeout_ms after its first byte with an error event', async () => {
    gw = await startGateway({
      providers: {
        ...providers(),
        primary: { type: 'openai', keys: ['sk-primary-a'], base_url: `${primary.url}/v1`, timeout_ms: 1_500 },
      },
      models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
      health: { probe_interval_ms: 0 },
    });
    // Headers in time, then a body that drips far past timeout_ms.
    primary.control.enqueue({
      tokenIntervalMs: 400,
      reply: { content: 'one two three four five six seven' },
    });
    const stream = await gw.client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    // The first chunk went out before the timeout: the stream ends with an error, not a failover.
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          // drain
        }
      })(),
    ).rejects.toThrow(/failed after it started/);
  });
});

describe('streams', () => {
  const faults = [
    { name: 'a 500', fault: { kind: 'status' as const, status: 500 }, count: 2 },
    { name: 'a reset connection', fault: { kind: 'reset' as const }, count: 2 },
    {
      name: 'an in-band error as the first event',
      fault: { kind: 'stream-error' as const, afterChunks: 0 },
      count: 2,
    },
    { name: 'a cut before the first event', fault: { kind: 'cut' as const, afterChunks: 0 }, count: 2 },
    { name: 'silence until the first-byte deadline', fault: { kind: 'stall' as const }, count: 1 },
  ];

  it.each(faults)(
    'falls over invisibly when the stream fails before its first byte: $name',
    async ({ fault, count }) => {
      const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
      // Twice for the classes the quick same-target retry covers (a silent target is never retried).
      primary.control.enqueue({ fault }, count);
      const { data: stream, response } = await g.client.chat.completions
        .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], stream: true })
        .withResponse();
      let text = '';
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish ??= chunk.choices[0]?.finish_reason;
      }
      expect(response.headers.get('x-switchyard-provider')).toBe('backup');
      expect(response.headers.get('x-switchyard-attempts')).toBe(String(count + 1));
      expect(text.length).toBeGreaterThan(0);
      expect(finish).toBe('stop');
    },
  );

  it('ends with an OpenAI-shaped error event after the first byte, logs it, and tells the breaker', async () => {
    const g = await start({ smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } });
    primary.control.enqueue({ fault: { kind: 'cut', afterChunks: 3 } });
    const stream = await g.client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'Tell me a story' }],
      stream: true,
    });
    const finishes: Array<string | null | undefined> = [];
    const error = await (async () => {
      for await (const chunk of stream) finishes.push(chunk.choices[0]?.finish_reason);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/failed after it started/);
    expect(finishes.filter(Boolean)).toEqual([]);
    await waitFor(() => requestLines(g.logs).length > 0);
    const line = requestLines(g.logs)[0];
    expect(line?.error).toMatchObject({ code: 'upstream_stream_error' });
    expect(line?.attempts.map((a) => a.outcome)).toEqual(['stream_error']);
    const breaker = g.gateway.routing.targets.get('primary/gpt-4.1')?.breaker;
    // The first byte counted as a success, the cut as a failure.
    expect(breaker?.windowFailures).toBe(1);
  });
});
