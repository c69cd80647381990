import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertSender, type AlertSenderOptions, slackText } from '../../src/alerts/sender.ts';
import type { Alert } from '../../src/alerts/types.ts';
import { FakeWebhook } from '../helpers/fake-webhook.ts';
import { InMemoryLedger } from './in-memory-ledger.ts';

const FAST_BACKOFF = { baseMs: 4, maxMs: 16 };

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    kind: 'budget_threshold',
    condition: 'budget:acme:day:80',
    period: 'd2026-12-07',
    message: 'Tenant acme has spent $40.00 of its $50.00 daily budget (80 % threshold reached).',
    tenant: 'acme',
    details: { threshold_percent: 80, spent_usd: 40, budget_usd: 50 },
    at: Date.parse('2026-12-07T10:11:12.000Z'),
    ...overrides,
  };
}

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((step) => step()));
});

async function webhook(options: ConstructorParameters<typeof FakeWebhook>[0] = {}): Promise<FakeWebhook> {
  const hook = await new FakeWebhook(options).start();
  cleanup.push(() => hook.stop());
  return hook;
}

function sender(options: Partial<AlertSenderOptions> & Pick<AlertSenderOptions, 'webhookUrl'>) {
  const { logger, lines } = capturingLogger();
  const created = new AlertSender({ store: undefined, logger, backoff: FAST_BACKOFF, ...options });
  cleanup.push(() => created.close());
  return { sender: created, lines };
}

describe('AlertSender', () => {
  it('POSTs the alert as JSON with a Slack-compatible text line', async () => {
    const hook = await webhook();
    const { sender: s } = sender({ webhookUrl: hook.url });
    s.raise(alert());
    await s.idle();
    expect(hook.received).toEqual([
      {
        text: ':warning: Switchyard budget threshold: Tenant acme has spent $40.00 of its $50.00 daily budget (80 % threshold reached).',
        kind: 'budget_threshold',
        condition: 'budget:acme:day:80',
        period: 'd2026-12-07',
        tenant: 'acme',
        message: 'Tenant acme has spent $40.00 of its $50.00 daily budget (80 % threshold reached).',
        details: { threshold_percent: 80, spent_usd: 40, budget_usd: 50 },
        at: '2026-12-07T10:11:12.000Z',
      },
    ]);
    expect(s.stats()).toMatchObject({ sent: 1, failed: 0, queued: 0 });
  });

  it('keeps the Slack text on one line and escapes Slack control characters', () => {
    const text = slackText(alert({ message: 'Tenant <a&b> spent\nmore' }));
    expect(text).toBe(':warning: Switchyard budget threshold: Tenant &lt;a&amp;b&gt; spent more');
  });

  it('retries on 500 with backoff, then delivers', async () => {
    const hook = await webhook({ failFirst: 2, failStatus: 500 });
    const { sender: s, lines } = sender({ webhookUrl: hook.url });
    s.raise(alert());
    await s.idle();
    expect(hook.posts).toBe(3);
    expect(hook.received).toHaveLength(1);
    expect(s.stats()).toMatchObject({ sent: 1, failed: 0 });
    expect(lines.find((line) => line.msg === 'alert sent')).toMatchObject({ attempts: 3 });
  });

  it('retries on 429', async () => {
    const hook = await webhook({ failFirst: 1, failStatus: 429 });
    const { sender: s } = sender({ webhookUrl: hook.url });
    s.raise(alert());
    await s.idle();
    expect(hook.posts).toBe(2);
    expect(hook.received).toHaveLength(1);
  });

  it('gives up after the tries with a warn line carrying the alert', async () => {
    const hook = await webhook({ failFirst: 1000, failStatus: 503 });
    const { sender: s, lines } = sender({ webhookUrl: hook.url, maxTries: 3 });
    s.raise(alert());
    await s.idle();
    expect(hook.posts).toBe(3);
    expect(s.stats()).toMatchObject({ sent: 0, failed: 1 });
    const warn = lines.find((line) => line.level === 40);
    expect(warn?.msg).toContain('alert not delivered');
    expect(warn).toMatchObject({
      attempts: 3,
      reason: 'HTTP 503',
      alert: { condition: 'budget:acme:day:80' },
    });
    // A Slack webhook URL is a credential: only its host is logged.
    expect(JSON.stringify(lines)).not.toContain('/hooks/alerts');
  });

  it('does not retry a 4xx the webhook will refuse again', async () => {
    const hook = await webhook({ failFirst: 1000, failStatus: 404 });
    const { sender: s } = sender({ webhookUrl: hook.url });
    s.raise(alert());
    await s.idle();
    expect(hook.posts).toBe(1);
    expect(s.stats().failed).toBe(1);
  });

  it('retries network errors and gives up without throwing', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { sender: s, lines } = sender({ webhookUrl: `http://127.0.0.1:${port}/`, maxTries: 2 });
    s.raise(alert());
    await s.idle();
    expect(s.stats().failed).toBe(1);
    expect(lines.find((line) => line.level === 40)).toMatchObject({ attempts: 2, reason: 'ECONNREFUSED' });
  });

  it('sends each condition once per period', async () => {
    const hook = await webhook();
    const { sender: s } = sender({ webhookUrl: hook.url });
    s.raise(alert());
    s.raise(alert());
    s.raise(alert({ period: 'd2026-12-08' }));
    await s.idle();
    s.raise(alert());
    await s.idle();
    expect(hook.received.map((body) => body.period)).toEqual(['d2026-12-07', 'd2026-12-08']);
    expect(s.stats()).toMatchObject({ sent: 2, suppressed: 2 });
  });

  it('sends once across two instances sharing one store', async () => {
    const hook = await webhook();
    const store = new InMemoryLedger();
    const { sender: first } = sender({ webhookUrl: hook.url, store });
    const { sender: second } = sender({ webhookUrl: hook.url, store });
    first.raise(alert());
    second.raise(alert());
    second.raise(alert({ condition: 'budget:acme:day:100' }));
    first.raise(alert({ condition: 'budget:acme:day:100' }));
    await Promise.all([first.idle(), second.idle()]);
    expect(hook.received.map((body) => body.condition).sort()).toEqual([
      'budget:acme:day:100',
      'budget:acme:day:80',
    ]);
    expect(first.stats().sent + second.stats().sent).toBe(2);
    expect(first.stats().suppressed + second.stats().suppressed).toBe(2);
    expect([...store.claims.keys()].sort()).toEqual([
      'budget:acme:day:100|d2026-12-07',
      'budget:acme:day:80|d2026-12-07',
    ]);
  });

  it('sends anyway when the store cannot answer the claim', async () => {
    const hook = await webhook();
    const store = new InMemoryLedger();
    store.claimError = new Error('connection refused');
    const { sender: s, lines } = sender({ webhookUrl: hook.url, store });
    s.raise(alert());
    await s.idle();
    expect(hook.received).toHaveLength(1);
    expect(lines.some((line) => line.msg === 'alert claim failed; sending without it')).toBe(true);
  });

  it('without a webhook, logs each alert once per condition and period at warn', async () => {
    const { sender: s, lines } = sender({ webhookUrl: undefined });
    s.raise(alert());
    s.raise(alert());
    s.raise(
      alert({ condition: 'unknown_price:openai/gpt-9', period: 'once', tenant: null, message: 'No price.' }),
    );
    await s.idle();
    const warns = lines.filter((line) => line.level === 40);
    expect(warns.map((line) => line.msg)).toEqual([
      'alert: Tenant acme has spent $40.00 of its $50.00 daily budget (80 % threshold reached).',
      'alert: No price.',
    ]);
    expect(warns[0]).toMatchObject({ alert: { condition: 'budget:acme:day:80', period: 'd2026-12-07' } });
    expect(s.stats()).toMatchObject({ logged: 2, suppressed: 1 });
  });

  it('bounds its queue and counts what it drops', async () => {
    const { sender: s } = sender({ webhookUrl: undefined, queueCapacity: 2 });
    for (let i = 0; i < 6; i++) s.raise(alert({ condition: `budget:t${i}:day:50` }));
    await s.idle();
    const stats = s.stats();
    expect(stats.dropped).toBeGreaterThanOrEqual(3);
    expect(stats.logged + stats.dropped).toBe(6);
  });

  it('close() abandons retries in progress, and later alerts are dropped', async () => {
    const hook = await webhook({ failFirst: 1000 });
    const { sender: s } = sender({
      webhookUrl: hook.url,
      backoff: { baseMs: 600_000, maxMs: 600_000 },
      closeGraceMs: 20,
    });
    s.raise(alert());
    const deadline = Date.now() + 5000;
    while (hook.posts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await s.close();
    await s.idle();
    s.raise(alert({ period: 'd2026-12-09' }));
    expect(s.stats()).toMatchObject({ failed: 1, dropped: 1, sent: 0 });
  });

  it('refuses a webhook URL that is not http(s) at construction, without echoing it', () => {
    const { logger } = capturingLogger();
    expect(() => new AlertSender({ webhookUrl: 'not a url secret', store: undefined, logger })).toThrow(
      /not a valid URL$/,
    );
    expect(() => new AlertSender({ webhookUrl: 'ftp://example.com/x', store: undefined, logger })).toThrow(
      /http or https/,
    );
  });
});
