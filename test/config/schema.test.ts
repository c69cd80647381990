// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, and ${VAR} is its syntax.
import { describe, expect, it } from 'vitest';
import { configSections } from '../../src/config/config-schema.ts';
import { formatIssue } from '../../src/config/errors.ts';
import type { Config } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/schema.ts';

const openai = { type: 'openai', keys: ['sk-test-openai'] };
const claude = { type: 'anthropic', keys: ['sk-test-claude'] };

function valid(document: unknown): Config {
  const result = validateConfig(document);
  if (!result.ok)
    throw new Error(`expected a valid config, got:\n${result.errors.map(formatIssue).join('\n')}`);
  return result.config;
}

function problems(document: unknown): string[] {
  const result = validateConfig(document);
  if (result.ok) throw new Error('expected problems, the config is valid');
  return result.errors.map(formatIssue);
}

describe('defaults', () => {
  it('fills every section from one provider', () => {
    const config = valid({ providers: { openai } });
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8787,
      body_limit_bytes: 32 * 1024 * 1024,
      request_timeout_ms: 600_000,
      shutdown_grace_ms: 25_000,
    });
    expect(config.server.admin_key).toBeUndefined();
    expect(config.providers.openai).toEqual({
      type: 'openai',
      keys: ['sk-test-openai'],
      connect_timeout_ms: 10_000,
      first_byte_timeout_ms: 300_000,
      idle_timeout_ms: 10_000,
      first_token_deadline: { multiple: 4, floor_ms: 10_000, min_samples: 20 },
      max_connections: 1024,
      headers: {},
    });
    expect(config.models).toEqual({});
    expect(config.tenants).toEqual({});
    expect(config.state).toBe('memory');
    expect(config.store).toBe('sqlite:./data/switchyard.db');
  });

  it('treats a section left empty (all entries commented out) as absent', () => {
    const config = valid({ server: null, providers: { openai }, models: null, tenants: null });
    expect(config.server.port).toBe(8787);
    expect(config.models).toEqual({});
  });

  it('defaults the strategy to fallback and normalizes targets', () => {
    const config = valid({
      providers: { openai, claude },
      models: {
        smart: { targets: ['claude/claude-sonnet-4-5', { target: 'openai/gpt-4.1' }] },
        split: {
          strategy: 'weighted',
          targets: [
            { target: 'openai/gpt-4.1', weight: 70 },
            { target: 'claude/claude-haiku', weight: 30 },
          ],
        },
      },
    });
    expect(config.models.smart?.strategy).toBe('fallback');
    expect(config.models.smart?.targets).toEqual([
      { target: 'claude/claude-sonnet-4-5', provider: 'claude', model: 'claude-sonnet-4-5', weight: 1 },
      { target: 'openai/gpt-4.1', provider: 'openai', model: 'gpt-4.1', weight: 1 },
    ]);
    expect(config.models.split?.targets.map((target) => target.weight)).toEqual([70, 30]);
  });

  it('splits a target at the first slash, so model ids may hold slashes', () => {
    const config = valid({
      providers: { router: { type: 'openai-compatible', base_url: 'https://openrouter.ai/api/v1' } },
      models: { llama: { targets: ['router/meta-llama/llama-3.1-70b'] } },
    });
    expect(config.models.llama?.targets[0]).toMatchObject({
      provider: 'router',
      model: 'meta-llama/llama-3.1-70b',
    });
  });

  it('accepts numeric strings, which is what ${PORT:-8787} substitutes to', () => {
    const config = valid({
      server: { port: '9000' },
      providers: { openai: { ...openai, timeout_ms: '1500' } },
    });
    expect(config.server.port).toBe(9000);
    expect(config.providers.openai?.timeout_ms).toBe(1500);
  });

  it('drops the trailing slash of base_url, since adapters append their own paths', () => {
    const config = valid({ providers: { openai: { ...openai, base_url: 'https://api.openai.com/v1/' } } });
    expect(config.providers.openai?.base_url).toBe('https://api.openai.com/v1');
  });

  it('lets openai-compatible providers run without keys (local servers need none)', () => {
    const config = valid({
      providers: { local: { type: 'openai-compatible', base_url: 'http://localhost:8000/v1' } },
    });
    expect(config.providers.local?.keys).toEqual([]);
  });

  it('treats an empty admin_key as no admin API', () => {
    expect(valid({ server: { admin_key: '' }, providers: { openai } }).server.admin_key).toBeUndefined();
  });

  it('accepts redis, rediss, postgres and postgresql URLs and sqlite paths', () => {
    for (const state of [
      'redis://localhost:6379',
      'rediss://user:pass@cache.example:6380/0',
      'redis-cluster://10.0.0.1:7000,10.0.0.2:7001',
      'rediss-sentinel://user:pass@s1:26379,s2:26379/mymaster/2',
    ]) {
      expect(valid({ providers: { openai }, state }).state).toBe(state);
    }
    for (const store of ['sqlite::memory:', 'postgres://u:p@db/switchyard', 'postgresql://db.example/x']) {
      expect(valid({ providers: { openai }, store }).store).toBe(store);
    }
  });
});

describe('structural errors, each at its exact path', () => {
  it('rejects an unknown top-level section and suggests the likely one', () => {
    expect(problems({ providers: { openai }, tenant: {} })).toEqual([
      'tenant: unknown section (did you mean "tenants"?)',
    ]);
    expect(problems({ providers: { openai }, frobnicate: 1 })).toEqual([
      `frobnicate: unknown section (sections: ${Object.keys(configSections).join(', ')})`,
    ]);
  });

  it('rejects unknown keys inside sections', () => {
    expect(
      problems({
        server: { prot: 1 },
        providers: { openai: { ...openai, timeout: 5 } },
        models: { smart: { targets: ['openai/gpt-4.1', 'openai/gpt-4o'], hedge: { after: 5 } } },
      }),
    ).toEqual([
      'server.prot: unknown key (did you mean "port"?)',
      'providers.openai.timeout: unknown key (did you mean "timeout_ms"?)',
      'models.smart.hedge.after_ms: is required',
      'models.smart.hedge.after: unknown key (did you mean "after_ms"?)',
    ]);
  });

  it('requires at least one provider', () => {
    expect(problems({})).toEqual(['providers: is required']);
    expect(problems({ providers: {} })).toEqual(['providers: configure at least one provider']);
  });

  it('rejects a provider name with a slash or other odd characters', () => {
    expect(problems({ providers: { 'my/openai': openai } })).toEqual([
      'providers["my/openai"]: provider names may use only letters, digits, "_" and "-" (they appear in "provider/model")',
    ]);
  });

  it('names the allowed provider types and the likely one', () => {
    expect(problems({ providers: { claude: { type: 'antropic', keys: ['k'] } } })).toEqual([
      'providers.claude.type: must be one of: openai, anthropic, gemini, mistral, deepseek, qwen, openai-compatible (did you mean "anthropic"?)',
    ]);
  });

  it('requires keys for every type but openai-compatible, which requires base_url', () => {
    expect(
      problems({
        providers: {
          openai: { type: 'openai' },
          claude: { type: 'anthropic', keys: [] },
          local: { type: 'openai-compatible' },
        },
      }),
    ).toEqual([
      'providers.openai.keys: at least one API key is required for type "openai"',
      'providers.claude.keys: at least one API key is required for type "anthropic"',
      'providers.local.base_url: is required for type "openai-compatible"',
    ]);
  });

  it('rejects empty keys, keys with surrounding whitespace and repeated keys', () => {
    expect(
      problems({ providers: { openai: { type: 'openai', keys: ['sk-a', '', 'sk-b\n', 'sk-a'] } } }),
    ).toEqual([
      'providers.openai.keys[1]: must not be empty',
      'providers.openai.keys[2]: has leading or trailing whitespace (often a newline from the file or variable it came from)',
      'providers.openai.keys[3]: repeats a key already in this list',
    ]);
  });

  it('checks types and ranges of numbers', () => {
    expect(
      problems({
        server: { port: 70000, request_timeout_ms: 1.5, body_limit_bytes: 'big' },
        providers: { openai: { ...openai, max_connections: 0, idle_timeout_ms: 3_000_000_000 } },
      }),
    ).toEqual([
      'server.port: must be at most 65535',
      'server.request_timeout_ms: must be a whole number',
      'server.body_limit_bytes: must be a number, got a string',
      'providers.openai.max_connections: must be at least 1',
      'providers.openai.idle_timeout_ms: must be at most 2147483647',
    ]);
  });

  it('rejects a base_url that is not http(s) or carries a query', () => {
    expect(
      problems({
        providers: {
          openai: { ...openai, base_url: 'ftp://example.com' },
          claude: { ...claude, base_url: 'https://example.com/v1?key=x' },
        },
      }),
    ).toEqual([
      'providers.openai.base_url: must be an http:// or https:// URL with no query or fragment',
      'providers.claude.base_url: must be an http:// or https:// URL with no query or fragment',
    ]);
  });

  it('rejects headers the gateway owns, invalid names and repeats that differ in case', () => {
    expect(
      problems({
        providers: {
          openai: { ...openai, headers: { 'X-Org': 'a', 'x-org': 'b', Host: 'h', 'bad name': 'c' } },
        },
      }),
    ).toEqual([
      // Every problem at once: a bad name does not hide the others.
      'providers.openai.headers.x-org: repeats a header already set (names ignore case)',
      'providers.openai.headers.Host: is set by the gateway and cannot be configured',
      'providers.openai.headers["bad name"]: is not a valid HTTP header name',
    ]);
    expect(
      problems({ providers: { openai: { ...openai, headers: { 'X-Line': 'a\r\nInjected: yes' } } } }),
    ).toEqual(['providers.openai.headers.X-Line: must not contain line breaks']);
  });

  it('rejects malformed targets, strategies and hedges', () => {
    expect(
      problems({
        providers: { openai },
        models: {
          smart: {
            strategy: 'fastest',
            targets: ['gpt-4.1', { target: 'openai/gpt-4.1', weight: -1 }, 42, { target: 'openai/' }],
            hedge: { after_ms: 'p99' },
          },
          empty: { targets: [] },
          missing: {},
        },
      }),
    ).toEqual([
      'models.smart.strategy: must be one of: fallback, weighted, cost, latency',
      'models.smart.targets[0]: must be "provider/model", e.g. "openai/gpt-4.1"',
      'models.smart.targets[1].weight: must be greater than 0',
      'models.smart.targets[2]: must be "provider/model" or { target: "provider/model", weight: N }',
      'models.smart.targets[3].target: must be "provider/model", e.g. "openai/gpt-4.1"',
      'models.smart.hedge.after_ms: must be a number of milliseconds or "p95"',
      'models.empty.targets: must not be empty',
      'models.missing.targets: is required',
    ]);
  });

  it('checks tenants: limits, budgets and names', () => {
    expect(
      problems({
        providers: { openai },
        tenants: {
          acme: { rate_limit: { rpm: 0, tpm: 1.5 }, budget: { usd: 50, period: 'week' } },
          'bad name': {},
          beta: { budget: { period: 'day' } },
        },
      }),
    ).toEqual([
      'tenants.acme.rate_limit.rpm: must be at least 1',
      'tenants.acme.rate_limit.tpm: must be a whole number',
      'tenants.acme.budget.period: must be one of: day, month',
      'tenants["bad name"]: tenant names may use only letters, digits, "_", "." and "-"',
      'tenants.beta.budget.usd: is required',
    ]);
  });

  it('checks state and store', () => {
    expect(problems({ providers: { openai }, state: 'redis:/nohost', store: 'mysql://db/x' })).toEqual([
      'state: must be "memory", a redis:// or rediss:// URL, redis-cluster://host:port,… or redis-sentinel://host:port,…/mastername',
      'store: must be sqlite:PATH or a postgres:// or postgresql:// URL',
    ]);
    expect(problems({ providers: { openai }, store: 'sqlite:' })).toEqual([
      'store: must be sqlite:PATH or a postgres:// or postgresql:// URL',
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problems(['providers'])).toEqual(['the config must be a mapping of sections, got a list']);
  });

  it('requires a long admin_key', () => {
    expect(problems({ server: { admin_key: 'short' }, providers: { openai } })).toEqual([
      'server.admin_key: must be at least 16 characters: it guards /admin/* (try `openssl rand -hex 32`)',
    ]);
  });

  it('quotes keys with dots in paths', () => {
    expect(
      problems({ providers: { openai }, models: { 'gpt-4.1': { targets: ['openai/gpt-4.1'], weight: 1 } } }),
    ).toEqual([
      'models["gpt-4.1"].weight: unknown key (allowed keys: strategy, targets, hedge, first_token_deadline, rules)',
    ]);
  });
});

describe('rules across sections', () => {
  it('reports an unknown provider in a target with the known ones', () => {
    expect(
      problems({
        providers: { openai, claude },
        models: { smart: { targets: ['openai/gpt-4.1', 'claud/claude-sonnet-4-5'] } },
      }),
    ).toEqual(['models.smart.targets[1]: unknown provider "claud" (known: openai, claude)']);
  });

  it('checks targets against the models a provider lists', () => {
    expect(
      problems({
        providers: { openai: { ...openai, models: ['gpt-4.1', 'gpt-4.1-mini'] } },
        models: { smart: { targets: ['openai/gpt-4.1-mnii'] } },
      }),
    ).toEqual([
      'models.smart.targets[0]: provider "openai" does not list model "gpt-4.1-mnii" in providers.openai.models (did you mean "gpt-4.1-mini"?)',
    ]);
  });

  it('rejects a repeated target', () => {
    expect(
      problems({ providers: { openai }, models: { smart: { targets: ['openai/a', 'openai/a'] } } }),
    ).toEqual(['models.smart.targets[1]: repeats a target already listed for this model']);
  });

  it('refuses a hedge on a model with one target, which could never start one', () => {
    expect(
      problems({
        providers: { openai },
        models: {
          single: { targets: ['openai/a'], hedge: { after_ms: 200 } },
          routed: {
            targets: ['openai/a'],
            rules: [{ when: { tools: true }, targets: ['openai/b', 'openai/c'] }],
            hedge: { after_ms: 200 },
          },
        },
      }),
    ).toEqual([
      'models.single.hedge: a hedge races the next target: this model has only one (add a target, or remove the hedge)',
    ]);
  });

  it('requires weights on all or none of a weighted model, and at least two targets', () => {
    expect(
      problems({
        providers: { openai },
        models: {
          partial: { strategy: 'weighted', targets: [{ target: 'openai/a', weight: 2 }, 'openai/b'] },
          single: { strategy: 'weighted', targets: ['openai/a'] },
        },
      }),
    ).toEqual([
      'models.partial.targets[1]: needs a weight: give every target of a weighted model a weight, or none for an equal split',
      'models.single.targets: a weighted model needs at least 2 targets (use "fallback" for one)',
    ]);
    const equal = valid({
      providers: { openai },
      models: { even: { strategy: 'weighted', targets: ['openai/a', 'openai/b'] } },
    });
    expect(equal.models.even?.targets.map((target) => target.weight)).toEqual([1, 1]);
  });

  it('rejects a weight on a model that is not weighted, since it would do nothing', () => {
    expect(
      problems({
        providers: { openai },
        models: { smart: { targets: [{ target: 'openai/a', weight: 5 }] } },
      }),
    ).toEqual([
      'models.smart.targets[0].weight: only applies to strategy "weighted" (this model uses "fallback")',
    ]);
  });

  it('rejects a virtual model named like a provider route', () => {
    expect(
      problems({ providers: { openai }, models: { 'openai/smart': { targets: ['openai/gpt-4.1'] } } }),
    ).toEqual([
      'models["openai/smart"]: a virtual model cannot be named "openai/…": that name routes straight to provider "openai"',
    ]);
  });

  it('checks tenant allow-lists against virtual models and providers', () => {
    expect(
      problems({
        providers: { openai },
        models: { smart: { targets: ['openai/gpt-4.1'] } },
        tenants: { acme: { models: ['smart', 'smrt', 'openai/gpt-4.1-mini', 'claude/claude-haiku'] } },
      }),
    ).toEqual([
      'tenants.acme.models[1]: unknown model "smrt" (did you mean "smart"?): not a virtual model, nor "provider/model"',
      'tenants.acme.models[3]: unknown provider "claude" (known: openai)',
    ]);
  });

  it('rejects a key shared by two tenants, repeated in one, or equal to the admin key', () => {
    const admin = 'admin-key-0123456789abcdef';
    expect(
      problems({
        server: { admin_key: admin },
        providers: { openai },
        tenants: { acme: { keys: ['key-a', 'key-a'] }, beta: { keys: ['key-b', 'key-a', admin] } },
      }),
    ).toEqual([
      'tenants.acme.keys[1]: repeats a key already listed for this tenant',
      'tenants.beta.keys[1]: is also a key of tenant "acme"; a key must identify one tenant',
      'tenants.beta.keys[2]: is the same as server.admin_key; a tenant key must not grant admin access',
    ]);
  });

  it('does not cascade: a provider with other problems still counts as known', () => {
    expect(
      problems({
        providers: { openai: { ...openai, timout_ms: 5 } },
        models: { smart: { targets: ['openai/gpt-4.1'] } },
      }),
    ).toEqual(['providers.openai.timout_ms: unknown key (did you mean "timeout_ms"?)']);
  });
});

describe('reporting', () => {
  it('reports every problem at once, across sections, in document order', () => {
    const found = problems({
      server: { port: -1 },
      providers: { openai: { type: 'openai' }, claude: { type: 'anthropic', keys: ['k'], base_url: 'nope' } },
      models: { smart: { targets: ['nobody/x'] } },
      tenants: { acme: { budget: { usd: 0, period: 'day' } } },
      store: 'mysql://x',
    });
    expect(found).toEqual([
      'server.port: must be at least 0',
      'providers.openai.keys: at least one API key is required for type "openai"',
      'providers.claude.base_url: must be an http:// or https:// URL with no query or fragment',
      'models.smart.targets[0]: unknown provider "nobody" (known: openai, claude)',
      'tenants.acme.budget.usd: must be greater than 0',
      'store: must be sqlite:PATH or a postgres:// or postgresql:// URL',
    ]);
  });

  it('never puts a key, or a credentialed URL, in a message', () => {
    const secret = 'sk-very-secret-value-123';
    const result = validateConfig({
      server: { admin_key: secret, port: secret },
      providers: {
        openai: {
          type: 'openai',
          keys: [secret, secret, ` ${secret}`, 7],
          base_url: `https://user:${secret}@x?q=1`,
        },
        bad: { type: secret, keys: secret },
      },
      tenants: { acme: { keys: [secret] }, beta: { keys: [secret] } },
      state: `redis:/${secret}`,
      store: `mysql://user:${secret}@db`,
    });
    expect(result.ok).toBe(false);
    const text = JSON.stringify(result);
    expect(text).not.toContain('very-secret');
  });
});
