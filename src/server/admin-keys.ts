/**
 * Admin API for virtual keys and runtime tenants (docs/design.md §1):
 *
 *   POST   /admin/keys  {"tenant","tier"?,"models"?,"name"?}  201 {"id","key","tenant",…}; the key only here
 *   GET    /admin/keys?tenant=                               the keys, never the key itself
 *   DELETE /admin/keys/:id                                   revoked from the next request on, everywhere
 *   PUT    /admin/tenants/:name  {"tier"?,"rate_limit"?,"budget"?,"models"?}   create or replace a tenant
 *   GET    /admin/tenants                                    config and runtime tenants with their policy
 *   DELETE /admin/tenants/:name                              a runtime tenant (config ones are the config's)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Snapshot } from '../config/compile.ts';
import { allowListProblemIn } from '../config/cross-section-rules.ts';
import type { Config } from '../config/schema.ts';
import { TENANT_NAME, TenantSettingsSchema } from '../config/sections/tenants.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { CompiledTenant } from '../control-plane/tenant-policy.ts';
import { generateVirtualKey } from '../control-plane/virtual-key.ts';
import {
  invalidRequest,
  keyNotFound,
  storeDidNotAnswer,
  storeNotConfigured,
  tenantNotFound,
} from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Store, TenantRecord, VirtualKeyRecord } from '../store/types.ts';
import { type AdminHandler, adminRoute, queryOf, readJsonBody, sendJson } from './admin-http.ts';

const CreateKeyBody = z.strictObject({
  tenant: z.string().min(1).max(128),
  tier: z.string().min(1).max(128).optional(),
  models: z.array(z.string().min(1).max(256)).max(1000).optional(),
  name: z.string().min(1).max(200).optional(),
});

export interface KeyAdminRoutes {
  exact: Record<string, Record<string, AdminHandler>>;
  /** Routes with an id after the prefix: `/admin/keys/` and `/admin/tenants/`. */
  prefixed: Record<
    string,
    Record<
      string,
      (req: IncomingMessage, res: ServerResponse, requestId: string, id: string) => Promise<void>
    >
  >;
}

export function keyAdminRoutes(snapshot: () => Snapshot, controlPlane: ControlPlane): KeyAdminRoutes {
  const adminKey = () => snapshot().config.server.admin_key;
  const withId =
    (handler: (req: IncomingMessage, res: ServerResponse, requestId: string, id: string) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse, requestId: string, id: string) =>
      adminRoute(adminKey, (r, s, rid) => handler(r, s, rid, id))(req, res, requestId);
  return {
    exact: {
      '/admin/keys': {
        POST: adminRoute(adminKey, (req, res, id) => createKey(req, res, id, snapshot(), controlPlane)),
        GET: adminRoute(adminKey, (req, res, id) => listKeys(req, res, id, controlPlane)),
      },
      '/admin/tenants': {
        GET: adminRoute(adminKey, async (_req, res, id) =>
          sendJson(res, 200, tenantsReport(snapshot(), controlPlane), id),
        ),
      },
    },
    prefixed: {
      '/admin/keys/': {
        DELETE: withId((_req, res, requestId, id) => revokeKey(res, requestId, id, controlPlane)),
      },
      '/admin/tenants/': {
        PUT: withId((req, res, requestId, name) =>
          putTenant(req, res, requestId, name, snapshot(), controlPlane),
        ),
        DELETE: withId((_req, res, requestId, name) =>
          deleteTenant(res, requestId, name, snapshot(), controlPlane),
        ),
      },
    },
  };
}

function requireStore(controlPlane: ControlPlane): Store {
  if (controlPlane.store === undefined) throw storeNotConfigured();
  return controlPlane.store;
}

async function createKey(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  snapshot: Snapshot,
  controlPlane: ControlPlane,
): Promise<void> {
  const store = requireStore(controlPlane);
  const body = parseBody(CreateKeyBody, (await readJsonBody(req)).value);
  const record = await answered(
    createVirtualKey(
      store,
      snapshot.config,
      (name) => controlPlane.keys.tenant(name, snapshot) !== undefined,
      body,
    ),
  );
  controlPlane.keys.apply(record.record);
  sendJson(res, 201, { ...keyJson(record.record), key: record.key }, requestId);
}

/** A store call: a store that does not answer is a 503 to retry, not an internal error. */
async function answered<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw storeDidNotAnswer(error instanceof Error ? error.message : String(error));
  }
}

/** Shared with `switchyard keys create`: checks the tenant, tier and models, stores the hash. */
export async function createVirtualKey(
  store: Store,
  config: Config,
  tenantExists: (name: string) => boolean | Promise<boolean>,
  request: { tenant: string; tier?: string; models?: string[]; name?: string },
): Promise<{ key: string; record: VirtualKeyRecord }> {
  if (!(await tenantExists(request.tenant))) throw tenantNotFound(request.tenant);
  if (request.tier !== undefined && !Object.hasOwn(config.tiers, request.tier))
    throw invalidRequest(
      `There is no tier '${request.tier}' in the config's tiers section.`,
      'tier',
      'tier_not_found',
    );
  checkModelNames(request.models, config);
  const generated = generateVirtualKey();
  const record: VirtualKeyRecord = {
    id: generated.id,
    keyHash: generated.keyHash,
    keyHint: generated.keyHint,
    tenant: request.tenant,
    tier: request.tier ?? null,
    models: request.models ?? null,
    name: request.name ?? null,
    createdAt: Date.now(),
    revokedAt: null,
  };
  await store.insertKey(record);
  return { key: generated.key, record };
}

/**
 * An allow-list names models by the rule the config's own tenants are checked by (config/cross-section-
 * rules.ts allowListProblemIn): a typo would otherwise lock its holder out of every model (403).
 */
function checkModelNames(models: readonly string[] | undefined, config: Config): void {
  // An empty list allows nothing: a key or tenant that can only ever get 403s is a mistake, not a setting.
  if (models !== undefined && models.length === 0)
    throw invalidRequest(
      "'models' must name at least one model (leave it out to allow every model).",
      'models',
    );
  for (const model of models ?? []) {
    if (allowListProblemIn(model, config as unknown as Record<string, unknown>) !== undefined)
      throw invalidRequest(`'${model}' is not a model of this gateway.`, 'models', 'model_not_found');
  }
}

async function listKeys(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  controlPlane: ControlPlane,
): Promise<void> {
  const store = requireStore(controlPlane);
  const tenant = queryOf(req).get('tenant') ?? undefined;
  const keys = await answered(store.listKeys(tenant === undefined ? {} : { tenant }));
  sendJson(res, 200, { object: 'list', data: keys.map(keyJson) }, requestId);
}

async function revokeKey(
  res: ServerResponse,
  requestId: string,
  id: string,
  controlPlane: ControlPlane,
): Promise<void> {
  const store = requireStore(controlPlane);
  const revoked = await answered(store.revokeKey(id, Date.now()));
  if (!revoked) throw keyNotFound(id);
  const record = await answered(store.getKey(id));
  if (record !== undefined) controlPlane.keys.apply(record);
  sendJson(res, 200, { id, revoked: true }, requestId);
}

async function putTenant(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  name: string,
  snapshot: Snapshot,
  controlPlane: ControlPlane,
): Promise<void> {
  const store = requireStore(controlPlane);
  if (!TENANT_NAME.test(name) || name.length > 128)
    throw invalidRequest(
      'Tenant names may use only letters, digits, "_", "." and "-" (at most 128).',
      'tenant',
    );
  if (snapshot.tenantsByName.has(name))
    throw invalidRequest(
      `Tenant '${name}' is defined in the config; change it there.`,
      'tenant',
      'tenant_in_config',
    );
  const settings = parseBody(TenantSettingsSchema, (await readJsonBody(req)).value);
  if (settings.tier !== undefined && !Object.hasOwn(snapshot.config.tiers, settings.tier))
    throw invalidRequest(
      `There is no tier '${settings.tier}' in the config's tiers section.`,
      'tier',
      'tier_not_found',
    );
  checkModelNames(settings.models, snapshot.config);
  const now = Date.now();
  const existing = (await answered(store.listTenants())).find((tenant) => tenant.name === name);
  const record: TenantRecord = {
    name,
    tier: settings.tier ?? null,
    settings: settings as Record<string, unknown>,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await answered(store.upsertTenant(record));
  controlPlane.keys.setTenant(record);
  const tenant = controlPlane.keys.tenant(name, snapshot);
  sendJson(
    res,
    existing === undefined ? 201 : 200,
    tenant === undefined ? { name } : tenantJson(tenant, 'store'),
    requestId,
  );
}

async function deleteTenant(
  res: ServerResponse,
  requestId: string,
  name: string,
  snapshot: Snapshot,
  controlPlane: ControlPlane,
): Promise<void> {
  const store = requireStore(controlPlane);
  if (snapshot.tenantsByName.has(name))
    throw invalidRequest(
      `Tenant '${name}' is defined in the config; remove it there.`,
      'tenant',
      'tenant_in_config',
    );
  if (!(await answered(store.deleteTenant(name)))) throw tenantNotFound(name);
  controlPlane.keys.removeTenant(name);
  sendJson(res, 200, { name, deleted: true }, requestId);
}

function tenantsReport(snapshot: Snapshot, controlPlane: ControlPlane): unknown {
  const data = [...snapshot.tenantsByName.values()].map((tenant) => tenantJson(tenant, 'config'));
  for (const record of controlPlane.keys.runtimeTenants()) {
    const tenant = controlPlane.keys.tenant(record.name, snapshot);
    if (tenant !== undefined && !snapshot.tenantsByName.has(record.name))
      data.push(tenantJson(tenant, 'store'));
  }
  return { object: 'list', data };
}

function tenantJson(tenant: CompiledTenant, source: 'config' | 'store'): Record<string, unknown> {
  return {
    name: tenant.name,
    source,
    tier: tenant.tier,
    rate_limit: { rpm: tenant.rpm ?? null, tpm: tenant.tpm ?? null, concurrent: tenant.concurrent ?? null },
    budget: tenant.budget ?? null,
    models: tenant.models === undefined ? null : [...tenant.models],
  };
}

export function keyJson(record: VirtualKeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    object: 'virtual_key',
    tenant: record.tenant,
    tier: record.tier,
    models: record.models,
    name: record.name,
    key_hint: `sk-sy-…${record.keyHint}`,
    created_at: new Date(record.createdAt).toISOString(),
    revoked_at: record.revokedAt === null ? null : new Date(record.revokedAt).toISOString(),
  };
}

function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') || null;
  throw invalidRequest(
    `Invalid request body${path === null ? '' : ` at '${path}'`}: ${issue?.message ?? 'not the expected shape'}.`,
    path,
  );
}
