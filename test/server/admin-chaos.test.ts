/**
 * GET/PUT /admin/chaos and the `chaos` section (docs/design.md §1, issue 13): guarded by the admin key,
 * validated like the section, applied from the next attempt, off unless configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { waitFor } from '../helpers/gateway.ts';
import {
  ask,
  type ResilienceGateway,
  requestLines,
  startGateway,
  UNLIMITED,
} from '../e2e/resilience-harness.ts';

const ADMIN = 'admin-secret-for-chaos-tests';
let primary: FakeServer;
let backup: FakeServer;
let g: ResilienceGateway;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-p'], rateLimits: UNLIMITED });
  backup = await startFakeOpenAI({ keys: ['sk-b'], rateLimits: UNLIMITED });
  g = await startGateway(document());
});
afterAll(async () => {
  await g?.stop();
  await primary?.stop();
  await backup?.stop();
});

function document(extra: Record<string, unknown> = {}) {
  return {
    server: { admin_key: ADMIN },
    providers: {
      primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
      backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
    },
    models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
    ...extra,
  };
}

const admin = (method: string, body?: unknown, key = ADMIN) =>
  fetch(`${g.url}/admin/chaos`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('/admin/chaos', () => {
  it('is off by default and needs the admin key', async () => {
    expect(await (await admin('GET')).json()).toEqual({ seed: 1, providers: {} });
    expect((await admin('GET', undefined, 'wrong')).status).toBe(401);
  });

  it('rejects bad input with a 400 envelope naming the parameter, and changes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ providers: { primary: { error_rate: 2 } } }, 'providers.primary.error_rate'],
      [{ providers: { nobody: { error_rate: 1 } } }, 'providers.nobody'],
      [{ providers: { primary: { eror_rate: 1 } } }, 'providers.primary'],
      [{ providers: { primary: { status: 200 } } }, 'providers.primary.status'],
    ];
    for (const [body, param] of cases) {
      const response = await admin('PUT', body);
      expect(response.status).toBe(400);
      const envelope = (await response.json()) as {
        error: { type: string; param: string | null; message: string };
      };
      expect(envelope.error.type).toBe('invalid_request_error');
      expect(envelope.error.param).toBe(param);
    }
    expect((await admin('PUT', '{not json')).status).toBe(400);
    expect(await (await admin('GET')).json()).toEqual({ seed: 1, providers: {} });
  });

  it('applies from the next request: a hard-down provider is answered in its place, then back', async () => {
    const before = primary.requests.length;
    const put = await admin('PUT', { providers: { primary: { error_rate: 1, status: 503 } } });
    expect(put.status).toBe(200);
    expect(
      ((await put.json()) as { providers: Record<string, { status: number }> }).providers.primary?.status,
    ).toBe(503);
    const outcome = await ask(g.client, 'smart');
    expect(outcome).toMatchObject({ ok: true, provider: 'backup', attempts: 2 });
    // The 503 was injected: the fake never saw the request.
    expect(primary.requests.length).toBe(before);
    await waitFor(() => requestLines(g.logs).length > 0);
    expect(
      requestLines(g.logs)
        .at(-1)
        ?.attempts.map((a) => a.outcome),
    ).toEqual(['overloaded', 'ok']);

    expect((await admin('PUT', { providers: {} })).status).toBe(200);
    expect(await ask(g.client, 'smart')).toMatchObject({ ok: true, provider: 'primary', attempts: 1 });
  });

  it('adds latency and stalls as configured', async () => {
    await admin('PUT', { providers: { primary: { latency_ms: 150 } } });
    const slow = await ask(g.client, 'smart');
    expect(slow).toMatchObject({ ok: true, provider: 'primary' });
    expect(slow.endedAt - slow.startedAt).toBeGreaterThanOrEqual(140);
    await admin('PUT', { providers: {} });
  });
});

describe('the chaos section', () => {
  it('rejects a provider that is not configured, at its path', () => {
    const result = validateConfig(document({ chaos: { providers: { primry: { error_rate: 0.1 } } } }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toContain('chaos.providers.primry');
  });

  it('fills each provider entry with defaults', () => {
    const result = validateConfig(document({ chaos: { providers: { primary: { error_rate: 0.1 } } } }));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.chaos).toEqual({
      seed: 1,
      providers: {
        primary: {
          error_rate: 0.1,
          status: 503,
          latency_ms: 0,
          stall_rate: 0,
          cut_rate: 0,
          malformed_rate: 0,
        },
      },
    });
  });
});
