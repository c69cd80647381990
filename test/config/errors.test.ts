import { describe, expect, it } from 'vitest';
import { closestMatch, formatIssue, formatPath } from '../../src/config/errors.ts';

describe('formatPath', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect(formatPath(['providers', 'claude', 'keys', 1])).toBe('providers.claude.keys[1]');
  });

  it('quotes keys with dots, slashes or spaces', () => {
    expect(formatPath(['models', 'gpt-4.1', 'targets', 0])).toBe('models["gpt-4.1"].targets[0]');
    expect(formatPath(['models', 'openai/x'])).toBe('models["openai/x"]');
    expect(formatPath(['tenants', 'a b'])).toBe('tenants["a b"]');
  });

  it('is empty for the root', () => {
    expect(formatPath([])).toBe('');
    expect(formatIssue({ path: '', message: 'the config must be a mapping' })).toBe(
      'the config must be a mapping',
    );
    expect(formatIssue({ path: 'state', message: 'bad' })).toBe('state: bad');
  });
});

describe('closestMatch', () => {
  const sections = ['server', 'providers', 'models', 'tenants', 'state', 'store'];

  it('suggests near misses, transpositions and missing suffixes', () => {
    expect(closestMatch('provider', sections)).toBe('providers');
    expect(closestMatch('prot', ['host', 'port'])).toBe('port');
    expect(closestMatch('timeout', ['timeout_ms', 'connect_timeout_ms'])).toBe('timeout_ms');
    expect(closestMatch('Tenants', sections)).toBe('tenants');
  });

  it('stays quiet when nothing is close', () => {
    expect(closestMatch('frobnicate', sections)).toBeUndefined();
    expect(closestMatch('gemni', ['qwen', 'mistral'])).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });
});
