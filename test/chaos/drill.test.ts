/**
 * The chaos drill (issue 13, "Done when"): with one of two providers hard down, at least 99.9 % of
 * 2,000 requests succeed, the breaker opens within 2 s, no request pays an attempt on the dead provider
 * while its breaker is open, and traffic returns after recovery. Default settings; the fakes answer at
 * once. The CLI is run too, on a config file, and prints its report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChaosDrill } from '../../src/chaos/drill.ts';
import { runChaos } from '../../src/cli/chaos.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { testConfig } from '../helpers/gateway.ts';
import { UNLIMITED } from '../e2e/resilience-harness.ts';

let primary: FakeServer;
let backup: FakeServer;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-p'], rateLimits: UNLIMITED });
  backup = await startFakeOpenAI({ keys: ['sk-b'], rateLimits: UNLIMITED });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
});

function document() {
  return {
    providers: {
      primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
      backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
    },
    models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
  };
}

describe('switchyard chaos', () => {
  it('keeps ≥ 99.9 % of 2,000 requests whole with the primary down, opens its breaker within 2 s, wastes no attempt on it while open, and recovers', async () => {
    const primaryBefore = primary.requests.length;
    const report = await runChaosDrill({ config: testConfig(document()), requests: 2000, concurrency: 20 });
    const down = report.providers.find((p) => p.provider === 'primary');
    if (down === undefined) throw new Error('no primary phase');
    console.log(
      `[chaos drill] primary down: ${down.succeeded}/${down.requests} succeeded; ${down.fellOver} fell over (+${down.extraMsP50?.toFixed(1)} ms p50, +${down.extraMsP95?.toFixed(1)} ms p95); breaker open after ${down.breakerOpenMs} ms; ${down.attemptsWhileOpen} attempts while open; recovered after ${down.recoveryMs} ms`,
    );
    expect(down.succeeded / down.requests).toBeGreaterThanOrEqual(0.999);
    expect(down.breakerOpenMs).not.toBeNull();
    expect(down.breakerOpenMs ?? Number.POSITIVE_INFINITY).toBeLessThan(2_000);
    expect(down.attemptsWhileOpen, down.attemptsWhileOpenEvidence.join('\n')).toBe(0);
    expect(down.recoveryMs).not.toBeNull();
    // The injected 503s never reached the fake: chaos answers in the provider's place.
    expect(primary.requests.length - primaryBefore).toBeGreaterThan(0); // baseline and recovery traffic
    const backupPhase = report.providers.find((p) => p.provider === 'backup');
    expect(backupPhase?.succeeded).toBe(backupPhase?.requests);
  }, 120_000);

  it('prints its report from the command line, and answers --help', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-chaos-'));
    const file = join(dir, 'switchyard.json');
    // Tenants (the drill sends no key), a limit that would refuse its traffic and a cache that would answer
    // for the providers: the drill measures the providers' failover, so its own gateway runs without them.
    const withTenants = {
      ...document(),
      tenants: { acme: { keys: ['sk-acme-0123456789'], rate_limit: { rpm: 1 } } },
      cache: { mode: 'all' },
    };
    writeFileSync(file, JSON.stringify(withTenants));
    let out = '';
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (out += s) },
      env: {},
    };
    expect(await runChaos(['--help'], io)).toBe(0);
    expect(out).toMatch(/Usage: switchyard chaos --config FILE/);
    out = '';
    expect(await runChaos(['--config', file, '--requests', '200', '--concurrency', '10'], io)).toBe(0);
    console.log(out);
    expect(out).toMatch(/\| provider down \| models \| success/);
    expect(out).toMatch(/\| primary \| smart \| 200\/200 \(100\.00 %\)/);
    expect(await runChaos(['--requests', 'lots'], io)).toBe(2);
  }, 120_000);

  it('fails, saying why, when no request of the baseline succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-chaos-'));
    const file = join(dir, 'switchyard.json');
    const refused = document();
    refused.providers.primary.keys = ['sk-wrong'];
    refused.providers.backup.keys = ['sk-wrong'];
    writeFileSync(file, JSON.stringify(refused));
    let out = '';
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (out += s) },
      env: {},
    };
    expect(await runChaos(['--config', file, '--requests', '20', '--concurrency', '4'], io)).toBe(1);
    expect(out).toMatch(/chaos drill failed: no baseline request succeeded: \d{3} × \d+/);
  }, 60_000);
});
