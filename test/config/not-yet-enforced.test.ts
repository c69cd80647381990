import { describe, expect, it } from 'vitest';
import { notYetEnforced } from '../../src/config/not-yet-enforced.ts';
import { testConfig } from '../helpers/gateway.ts';

describe('notYetEnforced', () => {
  it('names every accepted setting that no stage acts on yet, by path', () => {
    const config = testConfig({
      providers: { a: { type: 'openai', keys: ['k'] } },
      models: { fast: { targets: ['a/x'], hedge: { after_ms: 200 } } },
      tenants: { acme: { keys: ['t'], rate_limit: { rpm: 10 }, budget: { usd: 5, period: 'day' } } },
    });
    // Tenant limits and budgets are enforced since issue 11: no warning for them.
    expect(notYetEnforced(config).map((warning) => warning.path)).toEqual(['models.fast.hedge']);
  });

  it('says nothing about a config that uses only what is enforced', () => {
    expect(notYetEnforced(testConfig({ providers: { a: { type: 'openai', keys: ['k'] } } }))).toEqual([]);
  });
});
