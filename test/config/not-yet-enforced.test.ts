import { describe, expect, it } from 'vitest';
import { notYetEnforced } from '../../src/config/not-yet-enforced.ts';
import { testConfig } from '../helpers/gateway.ts';

describe('notYetEnforced', () => {
  it('has nothing left to warn about: every accepted setting is enforced', () => {
    const config = testConfig({
      providers: { a: { type: 'openai', keys: ['k'] } },
      models: { fast: { targets: ['a/x', 'a/y'], hedge: { after_ms: 200 } } },
      tenants: { acme: { keys: ['t'], rate_limit: { rpm: 10 }, budget: { usd: 5, period: 'day' } } },
    });
    // Tenant limits and budgets are enforced since issue 11, hedged requests since issue 13.
    expect(notYetEnforced(config).map((warning) => warning.path)).toEqual([]);
  });

  it('says nothing about a config that uses only what is enforced', () => {
    expect(notYetEnforced(testConfig({ providers: { a: { type: 'openai', keys: ['k'] } } }))).toEqual([]);
  });
});
