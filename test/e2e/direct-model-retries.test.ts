/**
 * Issue 10, item 2: a `provider/model` name pins one target, and by default a transient failure there
 * (5xx, reset) is retried once on the same target after a backoff (`retry.retry_direct_models: 1`);
 * `false` turns that off, a number sets the rounds, `true` retries as a virtual model does.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { ask, type ResilienceGateway, startGateway, UNLIMITED } from './resilience-harness.ts';

let upstream: FakeServer;
let gw: ResilienceGateway | undefined;

beforeAll(async () => {
  upstream = await startFakeOpenAI({ keys: ['sk-a'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await upstream?.stop();
});
beforeEach(() => {
  upstream.control.clear();
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function start(retry: Record<string, unknown> = {}): Promise<ResilienceGateway> {
  gw = await startGateway({
    providers: { up: { type: 'openai', keys: ['sk-a'], base_url: `${upstream.url}/v1` } },
    health: { probe_interval_ms: 0 },
    retry: { backoff_base_ms: 1, backoff_max_ms: 2, ...retry },
  });
  return gw;
}

function failNext(count: number): void {
  for (let i = 0; i < count; i++) upstream.control.enqueue({ fault: { kind: 'status', status: 500 } });
}

describe('retries of provider/model names', () => {
  it('retries a transient 500 once on the same target by default', async () => {
    const g = await start();
    failNext(1);
    const rescued = await ask(g.client, 'up/gpt-4.1');
    expect(rescued).toMatchObject({ ok: true, attempts: 2 });
    // Once, not more: two failures in a row reach the client after two attempts.
    failNext(2);
    const failed = await ask(g.client, 'up/gpt-4.1');
    expect(failed).toMatchObject({ ok: false, status: 502, attempts: 2 });
  });

  it('retries a connection reset once as well', async () => {
    const g = await start();
    upstream.control.enqueue({ fault: { kind: 'reset' } });
    expect(await ask(g.client, 'up/gpt-4.1')).toMatchObject({ ok: true, attempts: 2 });
  });

  it('does not retry with retry_direct_models: false', async () => {
    const g = await start({ retry_direct_models: false });
    failNext(1);
    expect(await ask(g.client, 'up/gpt-4.1')).toMatchObject({ ok: false, status: 502, attempts: 1 });
  });

  it('takes a number of rounds, and true for as many as max_attempts allows', async () => {
    const three = await start({ retry_direct_models: 3 });
    failNext(3);
    expect(await ask(three.client, 'up/gpt-4.1')).toMatchObject({ ok: true, attempts: 4 });
    await three.stop();
    const all = await start({ retry_direct_models: true, max_attempts: 5 });
    failNext(4);
    expect(await ask(all.client, 'up/gpt-4.1')).toMatchObject({ ok: true, attempts: 5 });
  });

  it('never retries the client’s own mistake', async () => {
    const g = await start({ retry_direct_models: true });
    upstream.control.enqueue({ fault: { kind: 'status', status: 400 } });
    expect(await ask(g.client, 'up/gpt-4.1')).toMatchObject({ ok: false, status: 400, attempts: 1 });
  });
});
