/**
 * The config demo mode runs: one provider per simulated upstream and virtual models that show what a
 * gateway is for (fallback, a weighted split, latency choice).
 */
import { validateConfig, type Config } from '../config/schema.ts';

export interface RunningDemoProvider {
  name: string;
  type: string;
  baseUrl: string;
  key: string;
  models: string[];
}

export function demoConfig(
  providers: RunningDemoProvider[],
  port: number,
  host: string,
  adminKey?: string,
): Config {
  const document = {
    // The admin key opens the admin API and the dashboard; the demo prints it.
    server: { host, port, ...(adminKey === undefined ? {} : { admin_key: adminKey }) },
    // The fakes inject faults the gateway is there to rescue, on direct names as on virtual models:
    // a newcomer's `curl` on `openai/gpt-4.1` must not fail because of the demo's own simulation.
    retry: { retry_direct_models: true },
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
