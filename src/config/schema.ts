// The shape of switchyard.yaml (design.md §1) and the rules that tie its
// sections together. docs/configuration.md explains every default; keep the
// two in step. Every object is strict: a typo in a config must be an error,
// never a setting that silently does nothing.
//
// To add a section (health, breaker, cache…), add its schema to
// `configSections`; `switchyard check` and the loader pick it up from there.

import { z } from 'zod';
import { type ProviderType, providerTypes } from '../providers/registry.ts';
import type { ConfigIssue, PathSegment } from './errors.ts';
import { didYouMean, formatPath, inDocumentOrder } from './errors.ts';

// The registry is the only list of providers (style.md §2.2): a new adapter is a valid `type` at once.
export const PROVIDER_TYPES = providerTypes;
export type { ProviderType };

export const STRATEGIES = ['fallback', 'weighted', 'cost', 'latency'] as const;
export const BUDGET_PERIODS = ['day', 'month'] as const;

// Names appear in "provider/model", so they cannot contain a slash.
export const PROVIDER_NAME = /^[A-Za-z0-9_-]+$/;
const TENANT_NAME = /^[A-Za-z0-9_.-]+$/;
const NO_WHITESPACE = /^\S+$/;
// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NUMERIC_STRING = /^\s*\d+(\.\d+)?\s*$/;

// Node's timers overflow above 2^31-1 ms and then fire after 1 ms, so a
// larger timeout would behave as almost no timeout at all.
const MAX_TIMER_MS = 2_147_483_647;
const MIB = 1024 * 1024;

// Headers the transport owns; overriding them would break framing or routing.
const GATEWAY_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
]);

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  bodyLimitBytes: 32 * MIB,
  requestTimeoutMs: 600_000,
  shutdownGraceMs: 25_000,
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 300_000,
  idleTimeoutMs: 300_000,
  maxConnections: 1024,
  strategy: 'fallback',
  state: 'memory',
  store: 'sqlite:./data/switchyard.db',
} as const;

// `${PORT:-8787}` substitutes to a string, so numeric settings accept digits.
function fromNumericString(value: unknown): unknown {
  return typeof value === 'string' && NUMERIC_STRING.test(value) ? Number(value) : value;
}

function wholeNumber(min: number, max: number) {
  return z.preprocess(fromNumericString, z.int().min(min).max(max));
}

const milliseconds = wholeNumber(1, MAX_TIMER_MS);
const positiveNumber = z.preprocess(fromNumericString, z.number().positive());

// An API key or virtual key. Surrounding whitespace is nearly always a stray
// newline from the file or variable it came from, and would fail as a 401.
const secret = z
  .string()
  .min(1)
  .refine((value) => value.trim() === value, {
    message: 'has leading or trailing whitespace (often a newline from the file or variable it came from)',
  });

const baseUrl = z
  .string()
  .refine(isHttpUrl, { message: 'must be an http:// or https:// URL with no query or fragment' })
  // Adapters append their own paths ({base_url}/chat/completions).
  .transform((value) => value.replace(/\/+$/, ''));

const modelName = z.string().regex(NO_WHITESPACE, { message: 'must not be empty or contain whitespace' });

const headers = z
  .record(
    z.string().regex(HEADER_NAME, { message: 'is not a valid HTTP header name' }),
    z.string().refine((value) => !/[\r\n\0]/.test(value), { message: 'must not contain line breaks' }),
  )
  .superRefine((record, ctx) => {
    const seen = new Set<string>();
    for (const name of Object.keys(record)) {
      const lower = name.toLowerCase();
      if (GATEWAY_HEADERS.has(lower)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is set by the gateway and cannot be configured',
        });
      } else if (seen.has(lower)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'repeats a header already set (names ignore case)',
        });
      }
      seen.add(lower);
    }
  });

const ServerSchema = z.strictObject({
  host: z.string().min(1).default(DEFAULTS.host),
  port: wholeNumber(0, 65_535).default(DEFAULTS.port),
  // An empty value (`${SWITCHYARD_ADMIN_KEY:-}`) leaves the admin API off.
  admin_key: z
    .preprocess(
      (value) => (value === '' ? undefined : value),
      secret
        .refine((value) => value.length >= 16, {
          message: 'must be at least 16 characters: it guards /admin/* (try `openssl rand -hex 32`)',
        })
        .optional(),
    )
    .optional(),
  body_limit_bytes: wholeNumber(1024, 1024 * MIB).default(DEFAULTS.bodyLimitBytes),
  request_timeout_ms: milliseconds.default(DEFAULTS.requestTimeoutMs),
  shutdown_grace_ms: wholeNumber(0, MAX_TIMER_MS).default(DEFAULTS.shutdownGraceMs),
});

// Cross-field rules (keys required unless openai-compatible, base_url
// required for it) live in checkCrossFieldRules so they are reported even
// when this provider has other problems.
const ProviderSchema = z.strictObject({
  type: z.enum(PROVIDER_TYPES),
  keys: z.array(secret).default(() => []),
  base_url: baseUrl.optional(),
  timeout_ms: milliseconds.optional(),
  connect_timeout_ms: milliseconds.default(DEFAULTS.connectTimeoutMs),
  first_byte_timeout_ms: milliseconds.default(DEFAULTS.firstByteTimeoutMs),
  idle_timeout_ms: milliseconds.default(DEFAULTS.idleTimeoutMs),
  max_connections: wholeNumber(1, 65_535).default(DEFAULTS.maxConnections),
  headers: headers.default(() => ({})),
  models: z.array(modelName).optional(),
});

const targetString = z.string().refine(isTargetString, {
  message: 'must be "provider/model", e.g. "openai/gpt-4.1"',
});

const TargetSchema = z
  .union([targetString, z.strictObject({ target: targetString, weight: positiveNumber.optional() })], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : 'must be "provider/model" or { target: "provider/model", weight: N }',
  })
  .transform((entry): ModelTarget => {
    const target = typeof entry === 'string' ? entry : entry.target;
    const slash = target.indexOf('/');
    return {
      target,
      provider: target.slice(0, slash),
      model: target.slice(slash + 1),
      weight: typeof entry === 'string' ? 1 : (entry.weight ?? 1),
    };
  });

const HedgeSchema = z.strictObject({
  after_ms: z.union([z.literal('p95'), milliseconds], {
    error: (issue) =>
      issue.input === undefined ? 'is required' : 'must be a number of milliseconds or "p95"',
  }),
});

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

// A conditional route (issue 5): every condition given must hold; the first matching rule's targets
// replace the model's. Conditions read the request's shape, never its text. Cross-field checks
// (providers exist, weights only for weighted) are in checkModels.
const RuleConditionSchema = z
  .strictObject({
    min_prompt_tokens: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
    max_prompt_tokens: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
    tools: z.boolean().optional(),
    reasoning_effort: z.array(z.enum(REASONING_EFFORTS)).min(1).optional(),
    metadata: z.record(z.string().min(1), z.string()).optional(),
    headers: z
      .record(z.string().regex(HEADER_NAME, { message: 'is not a valid HTTP header name' }), z.string())
      .optional(),
  })
  .refine((when) => Object.values(when).some((value) => value !== undefined), {
    message:
      'needs at least one condition (min_prompt_tokens, max_prompt_tokens, tools, reasoning_effort, metadata, headers)',
  });

const RuleSchema = z.strictObject({
  name: z.string().min(1).optional(),
  when: RuleConditionSchema,
  targets: z.array(TargetSchema).min(1),
  strategy: z.enum(STRATEGIES).optional(),
});

const VirtualModelSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).default(DEFAULTS.strategy),
  targets: z.array(TargetSchema).min(1),
  hedge: HedgeSchema.optional(),
  rules: z.array(RuleSchema).min(1).optional(),
});

const count = wholeNumber(1, Number.MAX_SAFE_INTEGER);

const TenantSchema = z.strictObject({
  // Empty is fine: keys can be created later with `switchyard keys create`.
  keys: z.array(secret).default(() => []),
  rate_limit: z.strictObject({ rpm: count.optional(), tpm: count.optional() }).optional(),
  budget: z.strictObject({ usd: positiveNumber, period: z.enum(BUDGET_PERIODS) }).optional(),
  models: z.array(z.string().min(1)).optional(),
});

const StateSchema = z.string().refine((value) => value === 'memory' || isUrl(value, ['redis:', 'rediss:']), {
  message: 'must be "memory" or a redis:// or rediss:// URL',
});

const StoreSchema = z
  .string()
  .refine(
    (value) =>
      (value.startsWith('sqlite:') && value.length > 'sqlite:'.length) ||
      isUrl(value, ['postgres:', 'postgresql:']),
    { message: 'must be sqlite:PATH or a postgres:// or postgresql:// URL' },
  );

// ---- resilience (issue 5; docs/configuration.md and docs/resilience.md explain each default) ----

export const RESILIENCE_DEFAULTS = {
  retry: {
    maxAttempts: 5,
    backoffBaseMs: 250,
    backoffMaxMs: 4_000,
    maxWaitMs: 10_000,
    retryDirectModels: false,
  },
  breaker: {
    consecutiveFailures: 5,
    failureRate: 0.5,
    minimumRequests: 20,
    windowMs: 10_000,
    openMs: 10_000,
    maxOpenMs: 120_000,
    halfOpenTrials: 3,
    syncIntervalMs: 500,
  },
  health: {
    probeIntervalMs: 30_000,
    probeJitter: 0.2,
    probeTimeoutMs: 5_000,
    healthyRate: 0.95,
    deadRate: 0.5,
    halfLifeMs: 30_000,
    minimumRequests: 20,
    recoveryMs: 30_000,
  },
  routing: {
    rateLimitCooldownMs: 2_000,
    authCooldownMs: 600_000,
  },
} as const;

const ratio = z.preprocess(fromNumericString, z.number().min(0).max(1));
const D = RESILIENCE_DEFAULTS;

const RetrySchema = z
  .strictObject({
    max_attempts: wholeNumber(1, 20).default(D.retry.maxAttempts),
    backoff_base_ms: milliseconds.default(D.retry.backoffBaseMs),
    backoff_max_ms: milliseconds.default(D.retry.backoffMaxMs),
    max_wait_ms: wholeNumber(0, MAX_TIMER_MS).default(D.retry.maxWaitMs),
    retry_direct_models: z.boolean().default(D.retry.retryDirectModels),
  })
  .superRefine((retry, ctx) => {
    if (retry.backoff_max_ms < retry.backoff_base_ms)
      ctx.addIssue({ code: 'custom', path: ['backoff_max_ms'], message: 'must be at least backoff_base_ms' });
  });

const BreakerSchema = z
  .strictObject({
    consecutive_failures: wholeNumber(1, 10_000).default(D.breaker.consecutiveFailures),
    failure_rate: z.preprocess(fromNumericString, z.number().gt(0).max(1)).default(D.breaker.failureRate),
    minimum_requests: wholeNumber(1, 1_000_000).default(D.breaker.minimumRequests),
    window_ms: wholeNumber(100, MAX_TIMER_MS).default(D.breaker.windowMs),
    open_ms: milliseconds.default(D.breaker.openMs),
    max_open_ms: milliseconds.default(D.breaker.maxOpenMs),
    half_open_trials: wholeNumber(1, 1000).default(D.breaker.halfOpenTrials),
    sync_interval_ms: wholeNumber(10, MAX_TIMER_MS).default(D.breaker.syncIntervalMs),
  })
  .superRefine((breaker, ctx) => {
    if (breaker.max_open_ms < breaker.open_ms)
      ctx.addIssue({ code: 'custom', path: ['max_open_ms'], message: 'must be at least open_ms' });
  });

const HealthSchema = z
  .strictObject({
    // 0 turns active probes off.
    probe_interval_ms: wholeNumber(0, MAX_TIMER_MS).default(D.health.probeIntervalMs),
    probe_jitter: ratio.default(D.health.probeJitter),
    probe_timeout_ms: milliseconds.default(D.health.probeTimeoutMs),
    healthy_rate: ratio.default(D.health.healthyRate),
    dead_rate: ratio.default(D.health.deadRate),
    half_life_ms: milliseconds.default(D.health.halfLifeMs),
    minimum_requests: wholeNumber(0, 1_000_000).default(D.health.minimumRequests),
    recovery_ms: wholeNumber(0, MAX_TIMER_MS).default(D.health.recoveryMs),
  })
  .superRefine((health, ctx) => {
    if (health.dead_rate >= health.healthy_rate)
      ctx.addIssue({ code: 'custom', path: ['dead_rate'], message: 'must be less than healthy_rate' });
  });

const RoutingSchema = z.strictObject({
  rate_limit_cooldown_ms: milliseconds.default(D.routing.rateLimitCooldownMs),
  auth_cooldown_ms: milliseconds.default(D.routing.authCooldownMs),
});

export const configSections = {
  server: ServerSchema.prefault({}),
  providers: z
    .record(
      z.string().regex(PROVIDER_NAME, {
        message: 'provider names may use only letters, digits, "_" and "-" (they appear in "provider/model")',
      }),
      ProviderSchema,
    )
    .refine((record) => Object.keys(record).length > 0, { message: 'configure at least one provider' }),
  models: z
    .record(
      z.string().regex(NO_WHITESPACE, { message: 'model names must not contain whitespace' }),
      VirtualModelSchema,
    )
    .default(() => ({})),
  tenants: z
    .record(
      z
        .string()
        .regex(TENANT_NAME, { message: 'tenant names may use only letters, digits, "_", "." and "-"' }),
      TenantSchema,
    )
    .default(() => ({})),
  state: StateSchema.default(DEFAULTS.state),
  store: StoreSchema.default(DEFAULTS.store),
  retry: RetrySchema.prefault({}),
  breaker: BreakerSchema.prefault({}),
  health: HealthSchema.prefault({}),
  routing: RoutingSchema.prefault({}),
};

export const ConfigSchema = z.strictObject(configSections);

export type ModelTarget = { target: string; provider: string; model: string; weight: number };
export type Config = z.output<typeof ConfigSchema>;
export type ServerConfig = Config['server'];
export type ProviderConfig = z.output<typeof ProviderSchema>;
export type VirtualModelConfig = z.output<typeof VirtualModelSchema>;
export type TenantConfig = z.output<typeof TenantSchema>;
export type RuleConfig = z.output<typeof RuleSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: ConfigIssue[] };

/** Validates a parsed (and env-substituted) config document, reporting every problem. */
export function validateConfig(document: unknown): ConfigResult {
  if (document !== null && document !== undefined && !isRecord(document)) {
    return {
      ok: false,
      errors: [{ path: '', message: `the config must be a mapping of sections, got ${describe(document)}` }],
    };
  }
  // A section whose entries are all commented out parses as null; treat it as absent.
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document ?? {})) {
    if (value !== null) root[key] = value;
  }

  const knownKeys = new Map<string, readonly string[]>();
  const parsed = ConfigSchema.safeParse(root, { error: (issue) => messageFor(issue, knownKeys) });
  const errors = parsed.success ? [] : parsed.error.issues.flatMap((issue) => fromZodIssue(issue, knownKeys));
  for (const issue of checkCrossFieldRules(root)) {
    errors.push({ path: formatPath(issue.path), message: issue.message });
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: inDocumentOrder(errors, root) };
  return { ok: true, config: parsed.data };
}

// ---- zod issues as config issues -------------------------------------------

function messageFor(
  issue: z.core.$ZodRawIssue,
  knownKeys: Map<string, readonly string[]>,
): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return 'must be a whole number';
      return `must be ${expectedType(issue.expected)}, got ${describe(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') {
        return issue.minimum === 1 ? 'must not be empty' : `must have at least ${issue.minimum} items`;
      }
      if (issue.origin === 'string') return 'must not be empty';
      return issue.inclusive === false
        ? `must be greater than ${issue.minimum}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.inclusive === false
        ? `must be less than ${issue.maximum}`
        : `must be at most ${issue.maximum}`;
    case 'invalid_value': {
      const options = issue.values.map(String);
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, options) : '';
      return `must be one of: ${options.join(', ')}${hint}`;
    }
    case 'unrecognized_keys':
      // The message is built per key in fromZodIssue; only the schema knows the allowed keys.
      if (issue.inst instanceof z.ZodObject) {
        knownKeys.set(formatPath(toSegments(issue.path ?? [])), Object.keys(issue.inst.shape));
      }
      return 'unknown key';
    default:
      return undefined;
  }
}

function fromZodIssue(issue: z.core.$ZodIssue, knownKeys: Map<string, readonly string[]>): ConfigIssue[] {
  const path = toSegments(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = knownKeys.get(formatPath(path)) ?? [];
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: unknownKeyMessage(key, allowed, path.length === 0),
    }));
  }
  if (issue.code === 'invalid_key') {
    return [{ path: formatPath(path), message: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ path: formatPath(path), message: issue.message }];
}

// Config documents come from YAML, so their paths never hold symbols.
function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
}

function unknownKeyMessage(key: string, allowed: readonly string[], topLevel: boolean): string {
  const what = topLevel ? 'unknown section' : 'unknown key';
  const hint = didYouMean(key, allowed);
  if (hint !== '') return `${what}${hint}`;
  return `${what} (${topLevel ? 'sections' : 'allowed keys'}: ${allowed.join(', ')})`;
}

function expectedType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    default:
      return expected;
  }
}

// Names the kind of a value, never the value: it may be a secret.
function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
}

// ---- rules across fields and sections -------------------------------------

type RawIssue = { path: PathSegment[]; message: string };
type KnownProvider = { models: Set<string> | undefined };

// Works on the raw document rather than zod's output so that it still runs,
// and reports, when other parts of the config are invalid. Anything of the
// wrong type is skipped here: the schema has already reported it.
function checkCrossFieldRules(root: Record<string, unknown>): RawIssue[] {
  const issues: RawIssue[] = [];
  const providers = checkProviders(root.providers, issues);
  const virtualModels = isRecord(root.models) ? new Set(Object.keys(root.models)) : undefined;
  if (isRecord(root.models)) checkModels(root.models, providers, issues);
  if (isRecord(root.tenants)) {
    const adminKey = isRecord(root.server) ? root.server.admin_key : undefined;
    checkTenants(root.tenants, providers, virtualModels, adminKey, issues);
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
    if (Array.isArray(tenant.models)) {
      const models: unknown[] = tenant.models;
      models.forEach((model, index) => {
        if (typeof model !== 'string' || model === '' || virtualModels?.has(model)) return;
        const problem = model.includes('/')
          ? checkProviderModel(model, providers)
          : virtualModels === undefined
            ? undefined
            : `unknown model "${model}"${didYouMean(model, virtualModels)}: not a virtual model, nor "provider/model"`;
        if (problem !== undefined)
          issues.push({ path: ['tenants', name, 'models', index], message: problem });
      });
    }
  }
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

// ---- small predicates ------------------------------------------------------

/** "provider/model": split at the first slash, since model ids may contain slashes themselves. */
function isTargetString(value: string): boolean {
  const slash = value.indexOf('/');
  return slash > 0 && PROVIDER_NAME.test(value.slice(0, slash)) && NO_WHITESPACE.test(value.slice(slash + 1));
}

function isHttpUrl(value: string): boolean {
  if (!isUrl(value, ['http:', 'https:'])) return false;
  const url = new URL(value);
  return url.search === '' && url.hash === '' && !value.includes('?') && !value.includes('#');
}

function isUrl(value: string, protocols: readonly string[]): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return protocols.includes(url.protocol) && url.host !== '';
}

function isProviderType(value: unknown): value is ProviderType {
  return typeof value === 'string' && (PROVIDER_TYPES as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
