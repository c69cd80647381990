/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core; .ci/run
 * installs it): against a gateway with traffic, the page asks for the admin key, renders its charts with
 * data, and shows a provider taken down as a traffic shift to the other one. A screenshot is saved under
 * test-results/dashboard/. Skips, saying so, when no Chromium is installed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { requestRow } from '../store/request-rows.ts';

const ADMIN = 'admin-key-dashboard-browser-0123456789';
const KEY = 'sk-sy-config-key-for-acme-dashboard';
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const OUTPUT = join(import.meta.dirname, '..', '..', 'test-results', 'dashboard');

let primary: FakeServer;
let backup: FakeServer;
let gw: TestGateway;
let browser: Browser;

async function ask(n: number): Promise<void> {
  for (let i = 0; i < n; i += 10)
    await Promise.all(
      Array.from({ length: 10 }, () =>
        gw.client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      ),
    );
}

// Functions that run in the page (its CSP forbids evaluating strings), serialized whole: no closures.
// `globalThis` there is the window, whose globals are not typed here.

/** The page finished `count` refreshes with data. */
function renders(count: number): boolean {
  // biome-ignore lint/suspicious/noExplicitAny: the page's globals
  return Number((globalThis as any).document.body.dataset.loaded ?? 0) >= count;
}

/** The status line says `text`. */
function statusSays(text: string): boolean {
  // biome-ignore lint/suspicious/noExplicitAny: the page's globals
  return ((globalThis as any).document.getElementById('status').textContent ?? '').includes(text);
}

/** The traffic chart's series, by provider, as uPlot holds them. */
function trafficChartData(): Record<string, Array<number | null>> {
  // biome-ignore lint/suspicious/noExplicitAny: the page's globals
  const plot = (globalThis as any).dashboardCharts.get('chart-traffic').plot;
  const out: Record<string, Array<number | null>> = {};
  for (let i = 1; i < plot.series.length; i++) out[plot.series[i].label] = plot.data[i];
  return out;
}

/** Waits for the next 10 s rollup bucket, so the two phases land in different points of the 15m chart. */
async function nextBucket(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 10_000 - (Date.now() % 10_000) + 50));
}

if (CHROMIUM === undefined) {
  describe('dashboard in Chromium', () => {
    it.skip('needs Debian’s chromium (apt-get install -y chromium)', () => {});
  });
  console.log('[dashboard browser test] skipped: no chromium at /usr/bin/chromium');
} else {
  describe('dashboard in Chromium', () => {
    beforeAll(async () => {
      primary = await startFakeOpenAI({ keys: ['sk-p'] });
      backup = await startFakeOpenAI({ keys: ['sk-b'] });
      gw = await startTestGateway(
        {
          server: { admin_key: ADMIN },
          providers: {
            primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
            backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
          },
          models: {
            chat: {
              strategy: 'weighted',
              targets: [
                { target: 'primary/gpt-4.1', weight: 50 },
                { target: 'backup/gpt-4.1', weight: 50 },
              ],
            },
          },
          tenants: { acme: { keys: [KEY], budget: { usd: 5, period: 'day' } } },
          pricing: { models: { 'gpt-4.1': { input: 2, output: 8 } } },
        },
        { store: await openStore('sqlite::memory:'), apiKey: KEY },
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await gw?.stop();
      await primary?.stop();
      await backup?.stop();
    });

    it('renders the charts with data and shows a provider taken down as a traffic shift', async () => {
      await ask(40);
      await nextBucket();
      // Primary goes down: every request it gets fails over to backup, then its breaker opens.
      primary.control.setModelScript('gpt-4.1', { fault: { kind: 'status', status: 503 } });
      await ask(40);
      await gw.gateway.controlPlane.spend?.flush();

      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const started = performance.now();
      await page.goto(`${gw.url}/dashboard`);
      await page.fill('#key', ADMIN);
      await page.click('button[type=submit]');
      await page.waitForFunction(renders, 1, {
        timeout: 10_000,
      });
      console.log(`[dashboard] first render with data in ${Math.round(performance.now() - started)} ms`);
      await page.selectOption('#window', '15m');
      await page.waitForFunction(renders, 2, {
        timeout: 10_000,
      });

      // Every chart drew a canvas; the legend names both providers.
      for (const id of ['chart-traffic', 'chart-success', 'chart-latency', 'chart-errors'])
        expect(await page.locator(`#${id} canvas`).count(), id).toBeGreaterThan(0);
      const legend = await page.locator('#chart-traffic .u-legend').textContent();
      expect(legend).toContain('primary');
      expect(legend).toContain('backup');

      // The traffic chart's own data: primary had a share before, none after it went down.
      const share = await page.evaluate(trafficChartData);
      const points = (name: string) => (share[name] ?? []).filter((v): v is number => v !== null);
      expect(points('primary').length).toBeGreaterThanOrEqual(2);
      expect(points('primary')[0]).toBeGreaterThan(0);
      expect(points('primary').at(-1)).toBe(0);
      expect(points('backup').at(-1)).toBe(100);

      // Upstream errors show up by class, the failed-request list is empty (every request was rescued),
      // the tenant bar and the breaker tiles are drawn.
      expect(await page.locator('#chart-errors .u-legend').textContent()).toContain('overloaded');
      expect(await page.locator('#breakers .tile').count()).toBe(2);
      expect(await page.locator('#tenants .bar[data-name="acme"]').count()).toBe(1);
      expect(errors).toEqual([]);

      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
      console.log(`[dashboard] screenshot: ${join(OUTPUT, 'dashboard.png')}`);
      await page.close();
    }, 60_000);

    it('loads with 100,000 stored requests (time to first render printed, for docs/performance.md)', async () => {
      const store = await openStore('sqlite::memory:');
      const now = Date.now();
      const providers = ['openai', 'anthropic', 'gemini', 'deepseek', 'qwen', 'mistral'];
      for (let batch = 0; batch < 200; batch++) {
        const rows = Array.from({ length: 500 }, (_, i) => {
          const n = batch * 500 + i;
          const provider = providers[n % providers.length] as string;
          const ok = n % 17 !== 0;
          return requestRow(`req_${n}`, {
            // Spread over the last 24 hours, newest last.
            timeMs: now - 86_400_000 + Math.floor((n / 100_000) * 86_400_000),
            provider: ok ? provider : null,
            status: ok ? 200 : 503,
            errorCode: ok ? null : 'upstream_unavailable',
            latencyTotalMs: 50 + (n % 900),
            detail: {
              routing: null,
              guardrails: null,
              error_message: null,
              attempts: [
                {
                  target: `${provider}/m`,
                  provider,
                  model: 'm',
                  key_id: 'k',
                  status: ok ? 200 : 503,
                  outcome: ok ? 'ok' : 'overloaded',
                  error_class: ok ? null : 'overloaded',
                  reason: 'first',
                  duration_ms: 40 + (n % 900),
                  first_byte_ms: 20,
                  wait_ms: 0,
                },
              ],
            },
          });
        });
        await store.insertRequests(rows);
      }
      const big = await startTestGateway(
        {
          server: { admin_key: ADMIN },
          providers: { openai: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` } },
        },
        { store },
      );
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
        const timings: string[] = [];
        for (const window of ['15m', '1h', '24h']) {
          const started = performance.now();
          const response = await fetch(`${big.url}/admin/stats?window=${window}`, {
            headers: { authorization: `Bearer ${ADMIN}` },
          });
          expect(response.status).toBe(200);
          await response.arrayBuffer();
          timings.push(`stats ${window} ${Math.round(performance.now() - started)} ms`);
        }
        const started = performance.now();
        await page.goto(`${big.url}/dashboard`);
        await page.fill('#key', ADMIN);
        await page.click('button[type=submit]');
        await page.waitForFunction(renders, 1, {
          timeout: 10_000,
        });
        const firstRender = Math.round(performance.now() - started);
        await page.selectOption('#window', '24h');
        await page.waitForFunction(renders, 2, {
          timeout: 10_000,
        });
        expect(await page.locator('#chart-traffic canvas').count()).toBeGreaterThan(0);
        expect(await page.locator('#failures .failure').count()).toBe(20);
        console.log(
          `[dashboard, 100,000 stored requests] page to first render ${firstRender} ms; ${timings.join(', ')}`,
        );
        await page.close();
      } finally {
        await big.stop();
      }
    }, 60_000);

    // Embeddings/dashboard audit item 4: one failed read (the store down) left every panel blank.
    it('shows an unpriced model’s spend as unknown; while the store is down, the live routing panel and which panels it cannot read', async () => {
      const real = await openStore('sqlite::memory:');
      let down = false;
      const readsLog = new Set(['requestRollups', 'spendByHour', 'listRequests', 'queryRequests']);
      const store = new Proxy(real, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) =>
            down && readsLog.has(String(property))
              ? Promise.reject(new Error('connection refused'))
              : value.apply(target, args);
        },
      });
      const outage = await startTestGateway(
        {
          server: { admin_key: ADMIN },
          // Backup: the first case left primary failing.
          providers: { backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` } },
          models: { chat: { targets: ['backup/gpt-4.1'] } },
        },
        { store },
      );
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      try {
        await outage.client.chat.completions.create({
          model: 'chat',
          messages: [{ role: 'user', content: 'hi' }],
        });
        // A model with no price (audit item 5): its spend is unknown, never drawn as $0.
        await outage.client.chat.completions.create({
          model: 'backup/gpt-unpriced-1',
          messages: [{ role: 'user', content: 'hi' }],
        });
        // Both rows stored before the page reads them: a row is queued once its response is handed over.
        const deadline = Date.now() + 5000;
        for (;;) {
          await outage.gateway.controlPlane.spend?.flush();
          if ((await real.queryRequests({ limit: 10 })).length >= 2 || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await page.goto(`${outage.url}/dashboard`);
        await page.fill('#key', ADMIN);
        await page.click('button[type=submit]');
        await page.waitForFunction(renders, 1, { timeout: 10_000 });
        expect(await page.locator('#chart-traffic canvas').count()).toBeGreaterThan(0);
        expect(
          await page.locator('#spend .bar[data-name="model backup/gpt-unpriced-1"]').textContent(),
        ).toContain('unknown (1 unpriced)');
        expect(await page.locator('#spend .bar[data-name="backup"]').textContent()).toMatch(
          /≥ \$.* \+ 1 unpriced/,
        );

        down = true;
        await page.selectOption('#window', '15m');
        await page.waitForFunction(statusSays, 'the store did not answer', { timeout: 10_000 });
        // Every store-backed panel says it cannot be read, with no stale chart left as if current.
        for (const id of [
          'chart-traffic',
          'chart-success',
          'chart-errors',
          'tenants',
          'spend',
          'cache',
          'failures',
        ]) {
          expect(await page.locator(`#${id} .unavailable`).count(), id).toBe(1);
          expect(await page.locator(`#${id} .unavailable`).textContent(), id).toContain('store unavailable');
          expect(await page.locator(`#${id} canvas`).count(), id).toBe(0);
        }
        expect(await page.locator('#login').isHidden()).toBe(true);

        // A page opened during the outage still draws the live routing panel (breakers, health).
        const fresh = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
        try {
          await fresh.goto(`${outage.url}/dashboard`);
          await fresh.fill('#key', ADMIN);
          await fresh.click('button[type=submit]');
          await fresh.waitForFunction(statusSays, 'the store did not answer', { timeout: 10_000 });
          expect(await fresh.locator('#breakers .tile[data-target="backup/gpt-4.1"]').count()).toBe(1);
          expect(await fresh.locator('#spend .unavailable').count()).toBe(1);
        } finally {
          await fresh.close();
        }

        // Back up: the next refresh draws everything again.
        down = false;
        await page.selectOption('#window', '1h');
        await page.waitForFunction(renders, 2, { timeout: 10_000 });
        expect(await page.locator('#chart-traffic canvas').count()).toBeGreaterThan(0);
        expect(await page.locator('.unavailable').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
        await outage.stop();
      }
    }, 60_000);

    it('asks for the key again when it is refused', async () => {
      const page = await browser.newPage();
      await page.goto(`${gw.url}/dashboard`);
      await page.fill('#key', 'not-the-admin-key');
      await page.click('button[type=submit]');
      await page.waitForSelector('#login:not([hidden])');
      expect(await page.locator('#login-error').textContent()).toContain('refused');
      await page.close();
    });
  });
}
