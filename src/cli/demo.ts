/**
 * `switchyard demo` (and `npm start`): the gateway on built-in simulated providers, so a newcomer sees
 * it work with no keys and no network. The fakes run with realistic latency and occasional faults;
 * the virtual models fall over, so most faults stay invisible, which is the point of a gateway.
 */
import { parseArgs } from 'node:util';
import { DEMO_ADMIN_KEY, DEMO_TENANT_KEY, type RunningDemoProvider } from '../demo/demo-config.ts';
import { type RunningDemo, startDemo } from '../demo/start-demo.ts';
import type { CliIo } from './io.ts';
import { describeListenError } from './listen-error.ts';

export const DEMO_USAGE = `Usage: switchyard demo [--port N] [--host H] [--fault-rate R] [--no-traffic]

Runs the gateway on built-in simulated providers (no keys, no network), as \`npm start\` does.

Options:
  -p, --port N          the port to listen on, 0..65535 (default: $PORT, else 8787)
      --host H          the address to listen on (default 127.0.0.1)
      --fault-rate R    share of upstream requests the simulated providers fail, 0..1 (default 0.03)
      --no-traffic      send no demo traffic (by default about one request a second, and now and
                        then a provider taken down for a minute, so the dashboard has something to show)
  -h, --help            print this help`;

export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  let values: { port?: string; host?: string; 'fault-rate'?: string; traffic?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'fault-rate': { type: 'string' },
        traffic: { type: 'boolean', default: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowNegative: true,
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${DEMO_USAGE}\n`);
    return 1;
  }
  if (values.help === true) {
    io.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  const port = Number(values.port ?? io.env.PORT ?? 8787);
  const faultRate = Number(values['fault-rate'] ?? 0.03);
  if (!Number.isInteger(port) || port < 0 || port > 65_535 || !(faultRate >= 0 && faultRate <= 1)) {
    io.stderr.write('--port must be 0..65535 and --fault-rate 0..1\n');
    return 1;
  }

  const host = values.host ?? '127.0.0.1';
  let demo: RunningDemo;
  try {
    demo = await startDemo({ port, host, faultRate, env: io.env, traffic: values.traffic !== false });
  } catch (error) {
    const hint = describeListenError(error, port, host);
    if (hint === undefined) throw error;
    io.stderr.write(`${hint}\n`);
    return 1;
  }
  io.stdout.write(banner(demo.serving.url, demo.providers, demo.traffic !== undefined));
  return demo.serving.stopped;
}

function banner(url: string, providers: RunningDemoProvider[], traffic: boolean): string {
  return `
Switchyard demo is running at ${url}
Simulated providers: ${providers.map((p) => p.name).join(', ')} (realistic latency, occasional faults)
Virtual models: smart (fallback), fast (latency), sampled (70/30 split), reasoning; or any provider/model

  curl ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -H 'authorization: Bearer ${DEMO_TENANT_KEY}' \\
    -d '{"model":"smart","messages":[{"role":"user","content":"Hello!"}]}'

  // OpenAI SDK (Node):
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: '${DEMO_TENANT_KEY}' });
  const reply = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hello!' }] });

Demo key: ${DEMO_TENANT_KEY} (tenant "demo": 6,000 requests/min, $5/day soft budget)
Admin key: ${DEMO_ADMIN_KEY}
  curl ${url}/admin/spend?tenant=demo -H 'authorization: Bearer ${DEMO_ADMIN_KEY}'
Dashboard: ${url}/dashboard   (admin key: ${DEMO_ADMIN_KEY})${traffic ? '\n  demo traffic: about one request a second, and now and then a provider goes down for a minute (--no-traffic to stop it)' : ''}

Models: ${url}/v1/models   Metrics: ${url}/metrics   Stop: Ctrl-C
`;
}
