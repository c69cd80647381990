// Rules across fields and sections: provider keys and base URLs by type,
// targets that name configured providers and listed models, weights that fit
// the strategy, and tenant keys and allow-lists.

import { didYouMean } from './errors.ts';
import type { PathSegment } from './errors.ts';
import { isRecord } from './raw-document.ts';
import { DEFAULTS } from './sections/defaults.ts';
import { STRATEGIES } from './sections/models.ts';
import { PROVIDER_TYPES, type ProviderType } from './sections/providers.ts';
import { PROVIDER_NAME, isTargetString } from './sections/values.ts';

type RawIssue = { path: PathSegment[]; message: string };
type KnownProvider = { models: Set<string> | undefined };

// Works on the raw document rather than zod's output so that it still runs,
// and reports, when other parts of the config are invalid. Anything of the
// wrong type is skipped here: the schema has already reported it.
export function checkCrossFieldRules(root: Record<string, unknown>): RawIssue[] {
  const issues: RawIssue[] = [];
  const providers = checkProviders(root.providers, issues);
  const virtualModels = isRecord(root.models) ? new Set(Object.keys(root.models)) : undefined;
  if (isRecord(root.models)) checkModels(root.models, providers, issues);
  const tiers = isRecord(root.tiers) ? root.tiers : undefined;
  if (tiers !== undefined) {
    for (const [name, tier] of Object.entries(tiers)) {
      if (isRecord(tier)) checkAllowList(tier.models, ['tiers', name], providers, virtualModels, issues);
    }
  }
  if (isRecord(root.tenants)) {
    const adminKey = isRecord(root.server) ? root.server.admin_key : undefined;
    checkTenants(root.tenants, providers, virtualModels, adminKey, issues);
    for (const [name, tenant] of Object.entries(root.tenants)) {
      if (!isRecord(tenant) || typeof tenant.tier !== 'string') continue;
      if (tiers === undefined || !Object.hasOwn(tiers, tenant.tier)) {
        const known = new Set(Object.keys(tiers ?? {}));
        issues.push({
          path: ['tenants', name, 'tier'],
          message: `unknown tier "${tenant.tier}"${didYouMean(tenant.tier, known)}: tiers are defined in the tiers section`,
        });
      }
    }
  }
  if (isRecord(root.pricing) && isRecord(root.pricing.models) && providers !== undefined) {
    for (const name of Object.keys(root.pricing.models)) {
      const slash = name.indexOf('/');
      if (slash > 0 && !providers.has(name.slice(0, slash))) {
        issues.push({
          path: ['pricing', 'models', name],
          message: `names provider "${name.slice(0, slash)}", which is not configured${didYouMean(name.slice(0, slash), new Set(providers.keys()))}`,
        });
      }
    }
  }
  // batch.models overrides apply per target: a key that is not a configured provider/model never matches.
  if (isRecord(root.batch) && isRecord(root.batch.models)) {
    for (const name of Object.keys(root.batch.models)) {
      const problem = isTargetString(name)
        ? checkProviderModel(name, providers)
        : 'must be a target, "provider/model" (a virtual model has no batch queue of its own)';
      if (problem !== undefined) issues.push({ path: ['batch', 'models', name], message: problem });
    }
  }
  // Chaos for a provider that is not configured would inject nothing: a typo must be an error.
  if (isRecord(root.chaos) && isRecord(root.chaos.providers) && providers !== undefined) {
    for (const name of Object.keys(root.chaos.providers)) {
      if (!providers.has(name))
        issues.push({
          path: ['chaos', 'providers', name],
          message: `provider "${name}" is not configured${didYouMean(name, new Set(providers.keys()))}`,
        });
    }
  }
  return issues;
}

function checkProviders(section: unknown, issues: RawIssue[]): Map<string, KnownProvider> | undefined {
  if (!isRecord(section)) return undefined;
  const known = new Map<string, KnownProvider>();
  for (const [name, provider] of Object.entries(section)) {
    if (!PROVIDER_NAME.test(name)) continue;
    const models = isRecord(provider) && Array.isArray(provider.models) ? provider.models : undefined;
    known.set(name, { models: models === undefined ? undefined : new Set(models.filter(isString)) });
    if (!isRecord(provider)) continue;
    const path = ['providers', name];
    const type = provider.type;
    if (type === 'openai-compatible') {
      if (provider.base_url === undefined) {
        issues.push({ path: [...path, 'base_url'], message: 'is required for type "openai-compatible"' });
      }
    } else if (isProviderType(type)) {
      if (provider.keys === undefined || (Array.isArray(provider.keys) && provider.keys.length === 0)) {
        issues.push({
          path: [...path, 'keys'],
          message: `at least one API key is required for type "${type}"`,
        });
      }
    }
    if (Array.isArray(provider.keys)) reportRepeats(provider.keys, [...path, 'keys'], 'key', issues);
  }
  return known;
}

function checkModels(
  section: Record<string, unknown>,
  providers: Map<string, KnownProvider> | undefined,
  issues: RawIssue[],
) {
  for (const [name, model] of Object.entries(section)) {
    const slash = name.indexOf('/');
    if (slash > 0 && providers?.has(name.slice(0, slash))) {
      const provider = name.slice(0, slash);
      issues.push({
        path: ['models', name],
        message: `a virtual model cannot be named "${provider}/…": that name routes straight to provider "${provider}"`,
      });
    }
    if (!isRecord(model)) continue;
    if (Array.isArray(model.rules)) {
      const rules: unknown[] = model.rules;
      rules.forEach((rule, index) => {
        if (!isRecord(rule) || !Array.isArray(rule.targets)) return;
        const strategy = rule.strategy ?? model.strategy ?? DEFAULTS.strategy;
        checkTargetList(
          rule.targets,
          strategy,
          ['models', name, 'rules', index, 'targets'],
          providers,
          issues,
        );
      });
    }
    if (!Array.isArray(model.targets)) continue;
    // A hedge races the next target: a model that only ever has one would accept it and never hedge.
    const ruleTargets = Array.isArray(model.rules)
      ? model.rules.map((rule: unknown) =>
          isRecord(rule) && Array.isArray(rule.targets) ? rule.targets.length : 0,
        )
      : [];
    if (model.hedge !== undefined && model.targets.length < 2 && ruleTargets.every((count) => count < 2))
      issues.push({
        path: ['models', name, 'hedge'],
        message: 'a hedge races the next target: this model has only one (add a target, or remove the hedge)',
      });
    checkTargetList(
      model.targets,
      model.strategy ?? DEFAULTS.strategy,
      ['models', name, 'targets'],
      providers,
      issues,
    );
  }
}

function checkTargetList(
  targets: unknown[],
  strategy: unknown,
  path: PathSegment[],
  providers: Map<string, KnownProvider> | undefined,
  issues: RawIssue[],
) {
  const seen = new Set<string>();
  let weighted = 0;
  targets.forEach((entry, index) => {
    const target = typeof entry === 'string' ? entry : isRecord(entry) ? entry.target : undefined;
    if (isRecord(entry) && entry.weight !== undefined) weighted++;
    if (typeof target !== 'string' || !isTargetString(target)) return;
    if (seen.has(target)) {
      issues.push({ path: [...path, index], message: 'repeats a target already listed for this model' });
    }
    seen.add(target);
    const problem = checkProviderModel(target, providers);
    if (problem !== undefined) issues.push({ path: [...path, index], message: problem });
  });

  if (strategy === 'weighted') {
    if (targets.length < 2) {
      issues.push({ path, message: 'a weighted model needs at least 2 targets (use "fallback" for one)' });
    } else if (weighted > 0 && weighted < targets.length) {
      targets.forEach((entry, index) => {
        if (isRecord(entry) && entry.weight !== undefined) return;
        issues.push({
          path: [...path, index],
          message:
            'needs a weight: give every target of a weighted model a weight, or none for an equal split',
        });
      });
    }
  } else if (typeof strategy === 'string' && (STRATEGIES as readonly string[]).includes(strategy)) {
    targets.forEach((entry, index) => {
      if (!isRecord(entry) || entry.weight === undefined) return;
      issues.push({
        path: [...path, index, 'weight'],
        message: `only applies to strategy "weighted" (this model uses "${strategy}")`,
      });
    });
  }
}

function checkTenants(
  section: Record<string, unknown>,
  providers: Map<string, KnownProvider> | undefined,
  virtualModels: Set<string> | undefined,
  adminKey: unknown,
  issues: RawIssue[],
) {
  const owners = new Map<string, string>();
  for (const [name, tenant] of Object.entries(section)) {
    if (!isRecord(tenant)) continue;
    if (Array.isArray(tenant.keys)) {
      const keys: unknown[] = tenant.keys;
      keys.forEach((key, index) => {
        if (typeof key !== 'string' || key === '') return;
        const path = ['tenants', name, 'keys', index];
        const owner = owners.get(key);
        if (key === adminKey) {
          issues.push({
            path,
            message: 'is the same as server.admin_key; a tenant key must not grant admin access',
          });
        } else if (owner === name) {
          issues.push({ path, message: 'repeats a key already listed for this tenant' });
        } else if (owner !== undefined) {
          issues.push({
            path,
            message: `is also a key of tenant "${owner}"; a key must identify one tenant`,
          });
        }
        owners.set(key, owner ?? name);
      });
    }
    checkAllowList(tenant.models, ['tenants', name], providers, virtualModels, issues);
  }
}

function checkAllowList(
  list: unknown,
  path: PathSegment[],
  providers: Map<string, KnownProvider> | undefined,
  virtualModels: Set<string> | undefined,
  issues: RawIssue[],
) {
  if (!Array.isArray(list)) return;
  const models: unknown[] = list;
  models.forEach((model, index) => {
    if (typeof model !== 'string' || model === '') return;
    const problem = allowListProblem(model, providers, virtualModels);
    if (problem !== undefined) issues.push({ path: [...path, 'models', index], message: problem });
  });
}

/**
 * What is wrong with one name of an allow-list in a config: the rule the config's tenants and tiers are
 * checked by, for the admin API's store tenants and keys (server/admin-keys.ts).
 */
export function allowListProblemIn(model: string, root: Record<string, unknown>): string | undefined {
  const virtualModels = isRecord(root.models) ? new Set(Object.keys(root.models)) : new Set<string>();
  return allowListProblem(model, checkProviders(root.providers, []), virtualModels);
}

/** A virtual model, or `provider/model` of a configured provider (that lists the model, when it lists any). */
function allowListProblem(
  model: string,
  providers: Map<string, KnownProvider> | undefined,
  virtualModels: Set<string> | undefined,
): string | undefined {
  if (virtualModels?.has(model)) return undefined;
  if (model.includes('/')) return checkProviderModel(model, providers);
  return virtualModels === undefined
    ? undefined
    : `unknown model "${model}"${didYouMean(model, virtualModels)}: not a virtual model, nor "provider/model"`;
}

function checkProviderModel(
  target: string,
  providers: Map<string, KnownProvider> | undefined,
): string | undefined {
  if (providers === undefined) return undefined;
  const slash = target.indexOf('/');
  const providerName = target.slice(0, slash);
  const model = target.slice(slash + 1);
  const provider = providers.get(providerName);
  if (model === '') return `names no model after "${providerName}/"`;
  if (provider === undefined) {
    const known =
      providers.size === 0 ? 'no providers are configured' : `known: ${[...providers.keys()].join(', ')}`;
    return `unknown provider "${providerName}" (${known})`;
  }
  if (provider.models !== undefined && !provider.models.has(model)) {
    return `provider "${providerName}" does not list model "${model}" in providers.${providerName}.models${didYouMean(model, provider.models)}`;
  }
  return undefined;
}

function reportRepeats(values: unknown[], path: PathSegment[], what: string, issues: RawIssue[]) {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (typeof value !== 'string' || value === '') return;
    if (seen.has(value))
      issues.push({ path: [...path, index], message: `repeats a ${what} already in this list` });
    seen.add(value);
  });
}

function isProviderType(value: unknown): value is ProviderType {
  return typeof value === 'string' && (PROVIDER_TYPES as readonly string[]).includes(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
