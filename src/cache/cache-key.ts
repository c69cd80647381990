/**
 * The cache key (issue 14): the tenant scope, the model's name and revision (its resolved target list and
 * how it routes, so a config change of its targets makes old entries unreachable), the output moderation
 * in force for that tenant and model (a hit is not moderated again, so an answer is served only where it
 * was judged by the same rules), and the normalized request: every parameter that can change the answer,
 * in canonical key order, without the fields that only change its delivery or bookkeeping. The name is
 * there although the revision covers the definition: two names with one definition may differ in TTL
 * (`model_ttl_s`) and moderation (`guardrails.moderation.models`).
 *
 * The key is the SHA-256 of that text: 43 characters per entry however long the prompt (a store that
 * kept the text itself grew the heap V8 marks so much that a miss cost 746k instructions instead of
 * 577k on the bench), computed once per request, and no tenant can make two keys collide.
 */
import { hash } from 'node:crypto';
import type { CompiledModel, Snapshot } from '../config/compile.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * Request fields that do not change the answer: delivery (`stream`, `stream_options`: a stored answer is
 * replayed either way), end-user attribution (`user`), and tags for the caller's own bookkeeping
 * (`metadata`, `store`). `model` is replaced by the model's revision.
 */
const NOT_IN_KEY = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store']);

export interface ModelIdentity {
  /** Hash of the model's definition and its targets' providers (type and base URL). */
  revision: string;
  /** `provider/model` ids of every target the model may route to, for version markers. */
  targetIds: readonly string[];
}

/** Per compiled model, computed on its first cached request (a snapshot's models never change). */
const identities = new WeakMap<CompiledModel, ModelIdentity>();

export function modelIdentity(snapshot: Snapshot, model: CompiledModel): ModelIdentity {
  const known = identities.get(model);
  if (known !== undefined) return known;
  const targets = new Map<string, { type: string; base_url: string }>();
  const add = (target: CompiledModel['targets'][number]) =>
    targets.set(target.id, { type: target.provider.type, base_url: target.provider.baseUrl });
  for (const target of model.targets) add(target);
  for (const rule of model.rules) for (const target of rule.targets) add(target);
  const definition = model.virtual ? (snapshot.config.models[model.name] ?? null) : null;
  const identity: ModelIdentity = {
    revision: hash(
      'sha256',
      canonicalJson({ definition, strategy: model.strategy, targets: Object.fromEntries(targets) }),
      'base64url',
    ),
    targetIds: [...targets.keys()],
  };
  identities.set(model, identity);
  return identity;
}

export interface KeyScope {
  /** The tenant's cache scope (cache-policy.ts cacheScope). */
  scope: string;
  /** modelIdentity's revision. */
  revision: string;
  /** GuardrailsPolicy.moderationIdentity for the model, or '' without guardrails. */
  moderation: string;
}

export function cacheKey(where: KeyScope, request: ChatRequest): string {
  let normalized = '';
  const record = request as Record<string, unknown>;
  for (const field of Object.keys(record).sort()) {
    const value = record[field];
    // An explicit null asks for the default, as leaving the field out does.
    if (value === null || value === undefined || NOT_IN_KEY.has(field)) continue;
    normalized += `${JSON.stringify(field)}:${canonicalJson(value)},`;
  }
  return hash(
    'sha256',
    `${where.scope}\n${where.revision}\n${where.moderation}\n${JSON.stringify(request.model)}\n${normalized}`,
    'base64url',
  );
}
