/**
 * GET /admin/pricing: the price table in force, each entry with its source (built-in, config, webhook).
 * POST /admin/pricing: the pricing webhook (docs/design.md §1). Not the admin key but a signature over the
 * raw body; a bad or stale signature, or one already used (on any instance: the claim goes through the
 * shared state), gets 401 and changes nothing. Off (404) without `pricing.webhook_secret`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { invalidRequest, invalidSignature, routeNotFound } from '../errors/codes.ts';
import { parsePricingBody } from '../pricing/webhook-body.ts';
import {
  REPLAYED_SIGNATURE_MESSAGE,
  SIGNATURE_CLAIM_TTL_MS,
  SIGNATURE_HEADER,
  verifyPricingSignature,
} from '../pricing/webhook-signature.ts';
import type { PriceEntry } from '../pricing/types.ts';
import { readBody } from './body.ts';
import { type AdminRoutes, adminRoute, sendJson } from './admin-http.ts';

const WEBHOOK_BODY_LIMIT = 4 * 1024 * 1024;

export function pricingAdminRoutes(snapshot: () => Snapshot, controlPlane: ControlPlane): AdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  return {
    '/admin/pricing': {
      GET: adminRoute(adminKey, async (_req, res, id) =>
        sendJson(res, 200, { object: 'list', data: controlPlane.prices.entries().map(entryJson) }, id),
      ),
      POST: adminRoute(adminKey, (req, res, id) => pricingWebhook(req, res, id, snapshot(), controlPlane), {
        guard: false,
      }),
    },
  };
}

async function pricingWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  snapshot: Snapshot,
  controlPlane: ControlPlane,
): Promise<void> {
  const secret = snapshot.config.pricing.webhook_secret;
  if (secret === undefined) throw routeNotFound('POST', '/admin/pricing');
  const raw = await readBody(req, WEBHOOK_BODY_LIMIT);
  const header = req.headers[SIGNATURE_HEADER];
  const nowMs = Date.now();
  const check = verifyPricingSignature(typeof header === 'string' ? header : undefined, raw, secret, nowMs);
  if (!check.ok) throw invalidSignature(check.message);
  const body = parsePricingBody(raw, nowMs);
  // The body is checked before the signature is spent, so a sender can fix a typo and resend.
  if (!body.ok) throw invalidRequest(body.message, body.param);
  let claimed = controlPlane.state.claimOnce(check.claimKey, SIGNATURE_CLAIM_TTL_MS, nowMs);
  if (claimed instanceof Promise) claimed = await claimed;
  if (!claimed) throw invalidSignature(REPLAYED_SIGNATURE_MESSAGE);
  await controlPlane.applyWebhookPrices(body.overrides);
  sendJson(res, 200, { updated: body.overrides.map((entry) => entry.name) }, requestId);
}

function entryJson(entry: PriceEntry): Record<string, unknown> {
  const price = entry.price;
  return {
    model: entry.name,
    input: price.input,
    output: price.output,
    cached_input: price.cachedInput,
    cache_write_input: price.cacheWriteInput,
    cache_write_1h_input: price.cacheWrite1hInput,
    batch_discount: price.batchDiscount,
    source: price.source,
    as_of: price.asOf,
    url: price.url,
  };
}
