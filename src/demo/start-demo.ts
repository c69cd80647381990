/**
 * Demo mode's moving parts: every simulated provider started in-process with demo latency and
 * occasional faults, the demo config pointing at them, and the gateway serving it. `switchyard demo`
 * prints a banner around this; tests start it directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type Serving } from '../cli/serve.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/types.ts';
import { demoConfig, type RunningDemoProvider } from './demo-config.ts';
import { demoProviders } from './demo-providers.ts';
import { DemoTraffic } from './demo-traffic.ts';
import { DEMO_LATENCY, type FakeChaos, type FakeLatency, type FakeServer } from './fakes/shared/index.ts';

export const DEMO_KEY = 'demo-key';
/** The demo's admin key, printed in its banner: the dashboard asks for it. */

export interface DemoOptions {
  port: number;
  host: string;
  /** Share of upstream requests that fail (500, 429 with retry-after, connection reset). */
  faultRate: number;
  latency?: FakeLatency;
  env: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** The store to use instead of the config's (tests pass an in-memory one). */
  store?: Store;
  /** Send demo traffic through the gateway (and take a provider down now and then) for the dashboard. */
  traffic?: boolean;
}

export interface RunningDemo {
  serving: Serving;
  providers: RunningDemoProvider[];
  fakes: FakeServer[];
  traffic: DemoTraffic | undefined;
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const fakes: FakeServer[] = [];
  const providers: RunningDemoProvider[] = [];
  let seed = 1;
  const chaos: FakeChaos = {
    faultRate: options.faultRate,
    faults: [
      { fault: { kind: 'status', status: 500 }, weight: 3 },
      { fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, weight: 2 },
      { fault: { kind: 'reset' }, weight: 1 },
    ],
  };
  try {
    for (const provider of demoProviders) {
      const fake = await provider.start({
        latency: options.latency ?? DEMO_LATENCY,
        chaos,
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
  } catch (error) {
    await Promise.all(fakes.map((fake) => fake.stop()));
    throw error;
  }
  let traffic: DemoTraffic | undefined;
  const filesDir = await mkdtemp(join(tmpdir(), 'switchyard-demo-files-'));
  const stopFakes = async () => {
    traffic?.stop();
    await Promise.all(fakes.map((fake) => fake.stop()));
    await rm(filesDir, { recursive: true, force: true });
  };
  let serving: Serving;
  try {
    serving = await serve({
      config: demoConfig(providers, options.port, options.host, filesDir),
      env: options.env,
      logger: options.logger,
      store: options.store,
      onStopped: stopFakes,
    });
  } catch (error) {
    // The port was taken (say): the fakes' listeners would keep the process alive after the error.
    await stopFakes();
    throw error;
  }
  if (options.traffic === true) {
    traffic = new DemoTraffic({
      url: serving.url,
      fakes: new Map(providers.map((provider, i) => [provider.name, fakes[i] as FakeServer])),
      normalChaos: chaos,
    });
    traffic.start();
  }
  return { serving, providers, fakes, traffic };
}
