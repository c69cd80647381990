/**
 * `switchyard chaos --config FILE [--requests N] [--concurrency C]` (docs/design.md §1): the fault drill
 * of src/chaos/drill.ts against a config, printed as a table. `--demo` drills the demo config on the
 * demo's simulated providers (started in-process, faults off, 5–20 ms to first byte so the drill takes
 * a minute rather than ten). Exit codes: 0 drill done, 1 invalid config or failed drill, 2 bad command line.
 */
import { parseArgs } from 'node:util';
import { formatDrillReport, runChaosDrill } from '../chaos/drill.ts';
import type { Env } from '../config/env-substitution.ts';
import { formatIssue } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { demoConfig, type RunningDemoProvider } from '../demo/demo-config.ts';
import { demoProviders } from '../demo/demo-providers.ts';
import type { FakeServer } from '../demo/fakes/shared/index.ts';
import { DEMO_KEY } from '../demo/start-demo.ts';

type Output = { write(chunk: string): unknown };
export type ChaosIo = { stdout: Output; stderr: Output; env: Env };

const USAGE = `Usage: switchyard chaos --config FILE [--requests N] [--concurrency C]
       switchyard chaos --demo [--requests N] [--concurrency C]

Runs traffic against the config's models with two or more targets while each provider in turn is
made hard down (every attempt answered 503 by fault injection; no request reaches it), then healthy
again. Prints, per provider: success rate, extra latency of the requests that fell over, time until
its breaker opened, attempts it still got while open, and time until its breakers closed again.

  --requests N      requests per degraded provider (default 2000)
  --concurrency C   requests in flight (default 20)
  --demo            drill the demo config on the built-in simulated providers`;

export async function runChaos(argv: string[], io: ChaosIo): Promise<number> {
  let values: { config?: string; requests?: string; concurrency?: string; demo?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        requests: { type: 'string' },
        concurrency: { type: 'string' },
        demo: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const requests = positive(values.requests, 2000);
  const concurrency = positive(values.concurrency, 20);
  if (requests === undefined || concurrency === undefined) {
    io.stderr.write(`--requests and --concurrency take a whole number of at least 1\n\n${USAGE}\n`);
    return 2;
  }
  if ((values.config === undefined) === (values.demo !== true)) {
    io.stderr.write(`chaos needs --config FILE or --demo (one of them)\n\n${USAGE}\n`);
    return 2;
  }

  const fakes: FakeServer[] = [];
  try {
    let config: Config;
    if (values.config !== undefined) {
      const result = await loadConfigFile(values.config, io.env);
      if (!result.ok) {
        for (const issue of result.errors) io.stdout.write(`${formatIssue(issue)}\n`);
        return 1;
      }
      config = result.config;
    } else {
      config = await demoDrillConfig(fakes);
    }
    io.stdout.write(`chaos drill: ${requests} requests per provider, ${concurrency} in flight\n`);
    const report = await runChaosDrill({
      config,
      requests,
      concurrency,
      progress: (line) => io.stdout.write(`  ${line}\n`),
    });
    io.stdout.write(`${formatDrillReport(report)}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`chaos drill failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await Promise.all(fakes.map((fake) => fake.stop()));
  }
}

function positive(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= 1 ? parsed : undefined;
}

/** The demo config on freshly started demo fakes, with their own faults off: the drill injects its own. */
async function demoDrillConfig(fakes: FakeServer[]): Promise<Config> {
  const providers: RunningDemoProvider[] = [];
  let seed = 1;
  for (const provider of demoProviders) {
    const fake = await provider.start({
      latency: { firstByteMs: [5, 20], tokenIntervalMs: 0 },
      chaos: { faultRate: 0, faults: [] },
      seed: seed++,
      keys: [DEMO_KEY],
    });
    fakes.push(fake);
    providers.push({
      name: provider.name,
      type: provider.type,
      baseUrl: provider.baseUrl(fake),
      key: DEMO_KEY,
      models: provider.models,
    });
  }
  return demoConfig(providers, 0, '127.0.0.1');
}
