/**
 * Demo traffic fills the dashboard (issue 12): requests flow through the demo gateway into the stored
 * request log, and a provider taken down shows up as failed attempts and then recovers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoTraffic } from '../../src/demo/demo-traffic.ts';
import { NO_LATENCY } from '../../src/demo/fakes/shared/index.ts';
import { DEMO_ADMIN_KEY } from '../../src/demo/demo-config.ts';
import { type RunningDemo, startDemo } from '../../src/demo/start-demo.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { openStore } from '../../src/store/from-config.ts';
import { waitFor } from '../helpers/gateway.ts';

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    faultRate: 0,
    latency: NO_LATENCY,
    env: {},
    logger: silentLogger(),
    store: await openStore('sqlite::memory:'),
  });
});
afterAll(async () => {
  await demo?.serving.stop();
});

async function requests(query: string): Promise<Array<Record<string, unknown>>> {
  await demo.serving.gateway.controlPlane.spend?.flush();
  const response = await fetch(`${demo.serving.url}/admin/requests?limit=1000&${query}`, {
    headers: { authorization: `Bearer ${DEMO_ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<Record<string, unknown>> }).data;
}

describe('demo traffic', () => {
  it('sends requests the request log stores, takes a provider down, and brings it back', async () => {
    const fakes = new Map(demo.providers.map((provider, i) => [provider.name, demo.fakes[i]!]));
    const traffic = new DemoTraffic({
      url: demo.serving.url,
      fakes,
      normalChaos: { faultRate: 0, faults: [] },
      intervalMs: 10,
      outageEveryMs: 400,
      outageMs: 300,
      outageOrder: ['anthropic'],
    });
    traffic.start();
    try {
      await waitFor(() => traffic.down === 'anthropic', 5000, 'the outage');
      // `smart` tries anthropic first: while it is down, its attempts fail and another provider answers.
      let failed: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 100 && failed.length === 0; i++) {
        const rows = await requests('');
        failed = rows.filter((row) =>
          (row.attempt_details as Array<{ provider: string; outcome: string }>).some(
            (a) => a.provider === 'anthropic' && a.outcome !== 'ok',
          ),
        );
        if (failed.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((row) => row.status === 200 && row.provider !== 'anthropic')).toBe(true);
      await waitFor(() => traffic.down === undefined, 5000, 'the recovery');
      expect((await requests('')).length).toBeGreaterThan(5);
    } finally {
      traffic.stop();
    }
    expect(traffic.down).toBeUndefined();
  });
});
