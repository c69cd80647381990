/**
 * The config demo mode runs: one provider per simulated upstream and virtual models that show what a
 * gateway is for (fallback, a weighted split, latency choice).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type Config } from '../config/schema.ts';

export interface RunningDemoProvider {
  name: string;
  type: string;
  baseUrl: string;
  key: string;
  models: string[];
}

/**
 * The demo's tenant key and admin key. Public on purpose: the demo listens on 127.0.0.1 and talks only
 * to simulated providers; they show a newcomer what a virtual key and the admin API look like.
 */
export const DEMO_TENANT_KEY = 'sk-sy-demo-key-for-local-use-only';
export const DEMO_ADMIN_KEY = 'sy-demo-admin-key-for-local-use-only';

/**
 * `filesDir`: where batch files go. Never the default `./data/files`, which would put them in whatever
 * directory the demo was started from (the repository, for `npm start`); startDemo gives a fresh one it
 * removes on stop.
 */
export function demoConfig(
  providers: RunningDemoProvider[],
  port: number,
  host: string,
  filesDir = join(tmpdir(), 'switchyard-demo-files'),
): Config {
  const document = {
    server: { host, port, admin_key: DEMO_ADMIN_KEY },
    // A tenant with limits and a budget, so the demo shows the control plane at work (x-ratelimit-*
    // headers, x-switchyard-cost-usd, GET /admin/spend). The store lives in memory and batch files in a
    // temporary directory: the demo leaves no files.
    tenants: {
      demo: {
        keys: [DEMO_TENANT_KEY],
        rate_limit: { rpm: 6000, tpm: 20_000_000 },
        // Soft: requests without max_tokens reserve their model's largest output, and the demo's own tests
        // send hundreds at once; a hard budget would refuse them (which is right in production).
        budget: { usd: 5, period: 'day', mode: 'soft' },
      },
    },
    store: 'sqlite::memory:',
    // The fakes inject faults the gateway is there to rescue, on direct names as on virtual models:
    // a newcomer's `curl` on `openai/gpt-4.1` must not fail because of the demo's own simulation.
    retry: { retry_direct_models: true },
    // Batches come back within seconds in the demo (the fakes answer a provider batch at once).
    batch: { flush_interval_s: 2, poll_interval_s: 1, max_poll_interval_s: 5, files_dir: filesDir },
    providers: Object.fromEntries(
      providers.map((p) => [p.name, { type: p.type, keys: [p.key], base_url: p.baseUrl, models: p.models }]),
    ),
    models: {
      smart: {
        strategy: 'fallback',
        targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4.1', 'gemini/gemini-2.5-pro'],
      },
      fast: {
        strategy: 'latency',
        targets: ['deepseek/deepseek-chat', 'qwen/qwen-plus', 'mistral/mistral-small-latest'],
      },
      sampled: {
        strategy: 'weighted',
        targets: [
          { target: 'deepseek/deepseek-chat', weight: 70 },
          { target: 'openai/gpt-4.1', weight: 30 },
        ],
      },
      reasoning: { strategy: 'fallback', targets: ['deepseek/deepseek-reasoner', 'gemini/gemini-2.5-flash'] },
    },
  };
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`demo config is invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}
