/**
 * GET /v1/models in OpenAI's list shape (docs/providers.md §1.11): the virtual models this key may use,
 * plus `provider/model` names for providers whose model list is configured. The list depends only on
 * the snapshot and the tenant, so it is built once per (snapshot, tenant) and cached.
 */
import type { CompiledTenant, Snapshot } from '../config/compile.ts';

const cache = new WeakMap<Snapshot, Map<CompiledTenant | undefined, string>>();

export function modelsListBody(snapshot: Snapshot, tenant: CompiledTenant | undefined): string {
  let perTenant = cache.get(snapshot);
  if (perTenant === undefined) {
    perTenant = new Map();
    cache.set(snapshot, perTenant);
  }
  const cached = perTenant.get(tenant);
  if (cached !== undefined) return cached;

  const created = Math.floor(Date.now() / 1000);
  const data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> = [];
  for (const name of snapshot.models.keys())
    data.push({ id: name, object: 'model', created, owned_by: 'switchyard' });
  for (const provider of snapshot.providers.values()) {
    if (provider.models === undefined) continue;
    for (const model of provider.models)
      data.push({ id: `${provider.name}/${model}`, object: 'model', created, owned_by: provider.name });
  }
  const allowed = tenant?.models;
  const visible = allowed === undefined ? data : data.filter((entry) => allowed.has(entry.id));
  const body = JSON.stringify({ object: 'list', data: visible });
  perTenant.set(tenant, body);
  return body;
}
