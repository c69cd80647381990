/**
 * The resilience sections of the config (issue 5): their defaults, their own checks, and the checks on
 * conditional rules. (test/config/schema.test.ts covers the rest of the schema.)
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/errors.ts';
import { validateConfig } from '../../src/config/schema.ts';

const providers = { openai: { type: 'openai', keys: ['sk-test'] } };

function problems(document: unknown): string[] {
  const result = validateConfig(document);
  if (result.ok) throw new Error('expected problems, the config is valid');
  return result.errors.map(formatIssue);
}

describe('resilience config', () => {
  it('fills retry, breaker, health and routing with their production defaults', () => {
    const result = validateConfig({ providers });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const { retry, breaker, health, routing } = result.config;
    expect(retry).toEqual({
      max_attempts: 5,
      backoff_base_ms: 250,
      backoff_max_ms: 4_000,
      max_wait_ms: 10_000,
      retry_direct_models: 1,
      same_target_retries: 1,
      same_target_delay_ms: 100,
    });
    expect(breaker).toEqual({
      consecutive_failures: 5,
      failure_rate: 0.5,
      minimum_requests: 20,
      window_ms: 10_000,
      open_ms: 10_000,
      max_open_ms: 30_000,
      half_open_trials: 3,
      sync_interval_ms: 500,
    });
    expect(health).toEqual({
      probe_interval_ms: 30_000,
      probe_jitter: 0.2,
      probe_timeout_ms: 5_000,
      healthy_rate: 0.95,
      dead_rate: 0.5,
      half_life_ms: 30_000,
      minimum_requests: 20,
      recovery_ms: 30_000,
    });
    expect(routing).toEqual({ rate_limit_cooldown_ms: 2_000, auth_cooldown_ms: 600_000 });
  });

  it('checks ranges and the relations inside each section', () => {
    expect(
      problems({
        providers,
        retry: { max_attempts: 0, backoff_base_ms: 500, backoff_max_ms: 100 },
        breaker: { failure_rate: 1.5, open_ms: 5_000, max_open_ms: 1_000 },
        health: { healthy_rate: 0.4, dead_rate: 0.6 },
        routing: { auth_cooldown: 1 },
      }),
    ).toEqual([
      'retry.max_attempts: must be at least 1',
      'retry.backoff_max_ms: must be at least backoff_base_ms',
      'breaker.failure_rate: must be at most 1',
      'breaker.max_open_ms: must be at least open_ms',
      'health.dead_rate: must be less than healthy_rate',
      'routing.auth_cooldown: unknown key (did you mean "auth_cooldown_ms"?)',
    ]);
  });

  it('takes retry_direct_models as false, true or a number of rounds', () => {
    for (const value of [false, true, 0, 3, '2']) {
      const result = validateConfig({ providers, retry: { retry_direct_models: value } });
      expect(result.ok, String(value)).toBe(true);
      if (result.ok) expect(result.config.retry.retry_direct_models).toBe(value === '2' ? 2 : value);
    }
    for (const value of [20, -1, 1.5, 'yes'])
      expect(problems({ providers, retry: { retry_direct_models: value } })[0], String(value)).toMatch(
        /^retry\.retry_direct_models: /,
      );
  });

  it('checks conditional rules like model targets', () => {
    expect(
      problems({
        providers,
        models: {
          smart: {
            targets: ['openai/gpt-4.1'],
            rules: [
              { when: {}, targets: ['openai/gpt-4.1-mini'] },
              { when: { tools: true }, targets: ['claude/claude-sonnet-4-5'] },
              { when: { reasoning_effort: ['extreme'] }, targets: [{ target: 'openai/o3', weight: 2 }] },
            ],
          },
        },
      }),
    ).toEqual([
      'models.smart.rules[0].when: needs at least one condition (min_prompt_tokens, max_prompt_tokens, tools, reasoning_effort, metadata, headers)',
      'models.smart.rules[1].targets[0]: unknown provider "claude" (known: openai)',
      'models.smart.rules[2].when.reasoning_effort[0]: must be one of: none, minimal, low, medium, high, xhigh, max',
      'models.smart.rules[2].targets[0].weight: only applies to strategy "weighted" (this model uses "fallback")',
    ]);
  });
});
