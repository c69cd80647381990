/**
 * GET /admin/chaos and PUT /admin/chaos (docs/design.md §1): the fault injection in force, in the
 * `chaos` section's shape, and its replacement. A PUT is validated like the section itself (plus: every
 * provider it names must be configured), applies from the next attempt, and answers what is now in
 * force; `{"providers":{}}` turns chaos off. A config reload replaces it again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChaosControl } from '../chaos/chaos-control.ts';
import type { Snapshot } from '../config/compile.ts';
import { ChaosSchema } from '../config/sections/chaos.ts';
import { invalidRequest } from '../errors/codes.ts';
import { type AdminRoutes, adminRoute, readJsonBody, sendJson } from './admin-http.ts';

export function chaosAdminRoutes(snapshot: () => Snapshot, chaos: ChaosControl): AdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  return {
    '/admin/chaos': {
      GET: adminRoute(adminKey, async (_req, res, id) => sendJson(res, 200, view(chaos), id)),
      PUT: adminRoute(adminKey, (req, res, id) => replace(req, res, id, snapshot(), chaos)),
    },
  };
}

function view(chaos: ChaosControl): unknown {
  return chaos.config ?? { seed: 1, providers: {} };
}

async function replace(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  snapshot: Snapshot,
  chaos: ChaosControl,
): Promise<void> {
  const { value } = await readJsonBody(req);
  const parsed = ChaosSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue === undefined || issue.path.length === 0 ? null : issue.path.map(String).join('.');
    throw invalidRequest(
      `Invalid chaos settings${param === null ? '' : ` at ${param}`}: ${issue?.message ?? 'invalid'}.`,
      param,
    );
  }
  for (const name of Object.keys(parsed.data.providers)) {
    if (!snapshot.providers.has(name))
      throw invalidRequest(`Provider '${name}' is not configured.`, `providers.${name}`);
  }
  chaos.set(Object.keys(parsed.data.providers).length === 0 ? undefined : parsed.data);
  sendJson(res, 200, view(chaos), requestId);
}
