/**
 * GET /v1/models in OpenAI's list shape (docs/providers.md §1.11) and GET /v1/models/{id} (the OpenAI SDK's
 * `models.retrieve`): the virtual models this key may use, plus `provider/model` names for providers
 * whose model list is configured (in env-only mode, each provider's known models: routing/known-models.ts).
 * A model the list does not show, for this key, is not found by id either. Both depend only on the
 * snapshot and the tenant, so they are built once per (snapshot, tenant) and cached.
 */
import type { CompiledTenant, Snapshot } from '../config/compile.ts';
import { isConfigFromEnv } from '../config/from-env.ts';
import { modelNotFound } from '../errors/codes.ts';
import { knownModelIds } from '../routing/known-models.ts';

interface ModelsView {
  /** The list, serialized. */
  list: string;
  /** Each model object by id, serialized. */
  byId: ReadonlyMap<string, string>;
}

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const cache = new WeakMap<Snapshot, Map<CompiledTenant | undefined, ModelsView>>();

/**
 * The answer to GET `url` (`/v1/models` or `/v1/models/{id}`, query ignored) for this key; throws the
 * 404 `model_not_found` envelope for an id the list does not show.
 */
export function modelsBody(snapshot: Snapshot, tenant: CompiledTenant | undefined, url: string): string {
  const query = url.indexOf('?');
  const id = modelIdFromPath(query === -1 ? url : url.slice(0, query));
  const view = viewFor(snapshot, tenant);
  if (id === undefined) return view.list;
  const body = view.byId.get(id);
  if (body === undefined) throw modelNotFound(id);
  return body;
}

const MODEL_PATHS = ['/v1/models/', '/models/'];

/**
 * The id in `/v1/models/{id}`, percent-decoded: SDKs encode the slash of `provider/model`, curl users
 * do not, and both mean the same model. Undefined for other paths, an empty id or a bad encoding.
 */
export function modelIdFromPath(path: string): string | undefined {
  for (const prefix of MODEL_PATHS) {
    if (!path.startsWith(prefix) || path.length === prefix.length) continue;
    try {
      return decodeURIComponent(path.slice(prefix.length));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function viewFor(snapshot: Snapshot, tenant: CompiledTenant | undefined): ModelsView {
  let perTenant = cache.get(snapshot);
  if (perTenant === undefined) {
    perTenant = new Map();
    cache.set(snapshot, perTenant);
  }
  let view = perTenant.get(tenant);
  if (view === undefined) {
    view = buildView(snapshot, tenant);
    perTenant.set(tenant, view);
  }
  return view;
}

function buildView(snapshot: Snapshot, tenant: CompiledTenant | undefined): ModelsView {
  const created = Math.floor(Date.now() / 1000);
  const data: ModelObject[] = [];
  for (const name of snapshot.models.keys())
    data.push({ id: name, object: 'model', created, owned_by: 'switchyard' });
  const fromEnv = isConfigFromEnv(snapshot.config);
  for (const provider of snapshot.providers.values()) {
    const listed = provider.models ?? (fromEnv ? knownModelIds(provider.type) : undefined);
    if (listed === undefined) continue;
    for (const model of listed)
      data.push({ id: `${provider.name}/${model}`, object: 'model', created, owned_by: provider.name });
  }
  const allowed = tenant?.models;
  const visible = allowed === undefined ? data : data.filter((entry) => allowed.has(entry.id));
  const byId = new Map<string, string>();
  for (const entry of visible) if (!byId.has(entry.id)) byId.set(entry.id, JSON.stringify(entry));
  return { list: JSON.stringify({ object: 'list', data: visible }), byId };
}
