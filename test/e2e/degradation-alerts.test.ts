/**
 * Degradation alerts end to end (issue 12): a provider that starts failing opens its breaker; the
 * monitor's next check sends `breaker_opened` and `provider_degraded` through the alert webhook, once
 * each however often it checks, and `breaker_recovered` once the provider is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { FakeWebhook } from '../helpers/fake-webhook.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

let primary: FakeServer;
let backup: FakeServer;
let webhook: FakeWebhook;
let gw: TestGateway;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-p'] });
  backup = await startFakeOpenAI({ keys: ['sk-b'] });
  webhook = await new FakeWebhook().start();
  gw = await startTestGateway(
    {
      providers: {
        primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
        backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
      },
      models: { chat: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
      alerts: { webhook_url: webhook.url },
      breaker: { open_ms: 200, max_open_ms: 400 },
    },
    { store: await openStore('sqlite::memory:') },
  );
});

afterAll(async () => {
  await gw?.stop();
  await primary?.stop();
  await backup?.stop();
  await webhook?.stop();
});

async function ask(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
}

describe('degradation alerts', () => {
  it('sends breaker_opened and provider_degraded once each, then breaker_recovered', async () => {
    await ask(30);
    gw.gateway.observability.checkDegradation();
    primary.control.setModelScript('gpt-4.1', { fault: { kind: 'status', status: 500 } });
    await ask(30);
    // The log rows (and so the monitor) are fed after each response ends.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gw.gateway.observability.checkDegradation();
    gw.gateway.observability.checkDegradation();
    await waitFor(() => webhook.received.length >= 2, 5000, 'two alerts');
    const kinds = () => webhook.received.map((body) => body.kind);
    expect(kinds()).toEqual(expect.arrayContaining(['breaker_opened', 'provider_degraded']));
    const degraded = webhook.received.find((body) => body.kind === 'provider_degraded') as Record<
      string,
      unknown
    >;
    expect(degraded.text).toMatch(/primary is degraded/);
    expect(degraded.details).toMatchObject({ provider: 'primary', condition: 'error_rate' });

    primary.control.setModelScript('gpt-4.1', undefined);
    // The breaker lets a trial through after open_ms; a success closes it.
    for (let i = 0; i < 100 && !webhook.received.some((body) => body.kind === 'breaker_recovered'); i++) {
      await ask(1);
      gw.gateway.observability.checkDegradation();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(kinds()).toContain('breaker_recovered');
    expect(kinds().filter((kind) => kind === 'breaker_opened')).toHaveLength(1);
    expect(kinds().filter((kind) => kind === 'provider_degraded')).toHaveLength(1);
  });
});
