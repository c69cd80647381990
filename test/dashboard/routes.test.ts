/** The dashboard's files are served by the gateway itself, offline, with a strict content policy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    server: { admin_key: 'admin-key-dashboard-routes-0123456789' },
    providers: { openai: { type: 'openai', keys: ['sk-x'], base_url: 'http://127.0.0.1:9/v1' } },
  });
});
afterAll(() => gw?.stop());

describe('GET /dashboard', () => {
  it('serves the page, its script and the vendored uPlot from this origin only', async () => {
    const page = await fetch(`${gw.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) {
      // No CDN: every asset is the gateway's own.
      expect(source.startsWith('/dashboard/')).toBe(true);
      const asset = await fetch(`${gw.url}${source}`);
      expect(asset.status, source).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it('answers other methods with 405 and unknown files with 404, in the error envelope', async () => {
    const post = await fetch(`${gw.url}/dashboard`, { method: 'POST' });
    expect(post.status).toBe(405);
    const missing = await fetch(`${gw.url}/dashboard/../../package.json`);
    expect(missing.status).toBe(404);
    const other = await fetch(`${gw.url}/dashboard/vendor/nope.js`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { type: string } }).error.type).toBeTruthy();
  });
});
