/**
 * Keys made and revoked on one instance are in force on another at once, not at the next poll
 * (docs/design.md §1: a revoked key is refused "from the next request on, on every instance"): two gateways on
 * one PostgreSQL store, the poll set to a minute, so only the store's announcement can carry the change.
 * Needs SWITCHYARD_TEST_PG_URL; the run uses a schema of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

const url = process.env.SWITCHYARD_TEST_PG_URL;
const ADMIN = 'admin-key-for-key-changes-0123';

if (url === undefined) {
  describe('key changes across instances on PostgreSQL', () => {
    it.skip('needs SWITCHYARD_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
  });
  console.log('[key changes on postgres] skipped: SWITCHYARD_TEST_PG_URL is not set');
} else {
  const schema = `sy_keys_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  let fake: FakeServer;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA ${schema}`);
    fake = await startFakeOpenAI({ keys: ['sk-up'] });
    for (let i = 0; i < 2; i++) {
      const store = await PostgresStore.open(url, { pool: { options: `-c search_path=${schema}` } });
      gateways.push(
        await startTestGateway(
          {
            server: { admin_key: ADMIN },
            providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
            models: { smart: { targets: ['openai/gpt-4.1'] } },
            tenants: { acme: {} },
            limits: { key_refresh_ms: 60_000 },
          },
          { store },
        ),
      );
    }
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await fake?.stop();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  const chatStatus = async (gateway: TestGateway, key: string): Promise<number> => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  };

  const adminCall = async (gateway: TestGateway, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  describe('key changes across instances on PostgreSQL', () => {
    it('a key made on one instance works on the other, and its revocation is in force there at once', async () => {
      const [north, south] = gateways as [TestGateway, TestGateway];
      const created = await adminCall(north, 'POST', '/admin/keys', { tenant: 'acme' });
      expect(created.status).toBe(201);
      const key = created.json.key as string;
      // Well under the one-minute poll: only the announcement can have told the other instance.
      await waitFor(() => south.gateway.controlPlane.keys.size === 1, 2000, 'the key on the other instance');
      expect(await chatStatus(south, key)).toBe(200);

      const revokedAt = performance.now();
      expect((await adminCall(north, 'DELETE', `/admin/keys/${created.json.id}`)).status).toBe(200);
      let status = await chatStatus(south, key);
      while (status === 200 && performance.now() - revokedAt < 2000) status = await chatStatus(south, key);
      expect(status).toBe(401);
      expect(performance.now() - revokedAt).toBeLessThan(2000);

      // A runtime tenant made on one instance is known on the other too.
      expect((await adminCall(north, 'PUT', '/admin/tenants/beta', {})).status).toBe(201);
      await waitFor(
        () => south.gateway.controlPlane.keys.runtimeTenants().some((tenant) => tenant.name === 'beta'),
        2000,
        'the tenant on the other instance',
      );
    });
  });
}
