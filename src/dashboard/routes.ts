/**
 * GET /dashboard (docs/design.md §1): one static page, its script and the vendored uPlot, served by the
 * gateway from src/dashboard/ with no build step and no CDN. The files are read once, asynchronously,
 * on the first request, then answered from memory. The page holds no data: it reads the admin API with
 * the admin key the user types (so the page itself needs none).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminRoutes } from '../server/admin-http.ts';

interface Asset {
  file: string;
  type: string;
  /** Vendored files never change within a version; the page and script may change on upgrade. */
  cache: string;
}

const ASSETS: Record<string, Asset> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8', cache: 'no-cache' },
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8', cache: 'no-cache' },
  '/dashboard/dashboard.js': {
    file: 'dashboard.js',
    type: 'text/javascript; charset=utf-8',
    cache: 'no-cache',
  },
  '/dashboard/vendor/uPlot.iife.min.js': {
    file: 'vendor/uPlot.iife.min.js',
    type: 'text/javascript; charset=utf-8',
    cache: 'public, max-age=86400',
  },
  '/dashboard/vendor/uPlot.min.css': {
    file: 'vendor/uPlot.min.css',
    type: 'text/css; charset=utf-8',
    cache: 'public, max-age=86400',
  },
};

// Scripts and styles from this origin only; the inline <style> of the page is its own.
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

const loaded = new Map<string, Promise<Buffer>>();

function load(file: string): Promise<Buffer> {
  let content = loaded.get(file);
  if (content === undefined) {
    content = readFile(new URL(file, import.meta.url));
    // A failed read is tried again next time rather than remembered.
    content.catch(() => loaded.delete(file));
    loaded.set(file, content);
  }
  return content;
}

export function dashboardRoutes(): AdminRoutes {
  const routes: AdminRoutes = {};
  for (const [path, asset] of Object.entries(ASSETS))
    routes[path] = { GET: (req, res, requestId) => serve(req, res, requestId, asset) };
  return routes;
}

async function serve(
  _req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  asset: Asset,
): Promise<void> {
  const body = await load(asset.file);
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': String(body.length),
    'cache-control': asset.cache,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
  });
  res.end(body);
}
