/**
 * `switchyard start`: the gateway from a config file, or from provider keys in the environment when
 * there is none (docs/design.md §1). `--workers N` runs N processes sharing the port (cli/workers.ts).
 */
import { existsSync } from 'node:fs';
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../config/from-env.ts';
import { formatIssue } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { CliIo } from './io.ts';
import { describeListenError } from './listen-error.ts';
import { type Serving, StoreOpenError, serve } from './serve.ts';
import { reportStartFailure, runPrimary } from './workers.ts';

export const START_USAGE = `Usage: switchyard start [--config FILE] [--port N] [--host H] [--workers N]

Runs the gateway.

Options:
  -c, --config FILE   the config file (default: $SWITCHYARD_CONFIG, else ./switchyard.yaml, else a config
                      built from provider keys in the environment, which it says on stderr)
  -p, --port N        the port to listen on, 0..65535 (default: server.port, 8787)
      --host H        the address to listen on (default: server.host, 127.0.0.1)
  -w, --workers N     run N processes sharing the port, 1..256 (default 1); /metrics sums them all
  -h, --help          print this help

Signals: SIGTERM or SIGINT drains in-flight requests and exits; SIGHUP reloads the config file.`;

export async function runStart(argv: string[], io: CliIo): Promise<number> {
  let values: { config?: string; port?: string; host?: string; workers?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        workers: { type: 'string', short: 'w' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${START_USAGE}\n`);
    return 1;
  }
  if (values.help === true) {
    io.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    io.stderr.write(`--port must be a whole number from 0 to 65535, got '${values.port}'\n`);
    return 1;
  }
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
    io.stderr.write(`--workers must be a whole number from 1 to 256, got '${values.workers}'\n`);
    return 1;
  }

  const resolved = await resolveConfig(values.config, io);
  if (resolved === undefined) return 1;
  if (workers > 1 && cluster.isPrimary) return runPrimary(workers, io);

  const host = values.host ?? resolved.config.server.host;
  let serving: Serving;
  try {
    serving = await serve({ config: resolved.config, configPath: resolved.path, env: io.env, port, host });
  } catch (error) {
    const hint =
      error instanceof StoreOpenError
        ? error.message
        : describeListenError(error, port ?? resolved.config.server.port, host);
    if (hint === undefined) throw error;
    // Under --workers every worker fails the same way; the primary prints the line once.
    if (cluster.isWorker) reportStartFailure(hint);
    else io.stderr.write(`${hint}\n`);
    return 1;
  }
  if (cluster.isPrimary) io.stdout.write(`Switchyard listening on ${serving.url}\n`);
  const code = await serving.stopped;
  // A worker's IPC channel keeps its event loop alive, so a drained worker would never exit. Only the
  // worker knows when its drain is over; disconnecting earlier (from the primary) closes its listener
  // and channel before it has even handled SIGTERM, and it dies mid-drain.
  cluster.worker?.disconnect();
  return code;
}

/**
 * Which config `start` runs: --config, else $SWITCHYARD_CONFIG, else ./switchyard.yaml, else one built
 * from provider keys in the environment (said on stderr). Undefined, with the reason printed, when none.
 */
export async function resolveConfig(
  flag: string | undefined,
  io: CliIo,
): Promise<{ config: Config; path?: string } | undefined> {
  const path =
    flag ?? io.env.SWITCHYARD_CONFIG ?? (existsSync('switchyard.yaml') ? 'switchyard.yaml' : undefined);
  if (path !== undefined) {
    const result = await loadConfigFile(path, io.env);
    if (result.ok) return { config: result.config, path };
    io.stderr.write(`${path} is not a valid config:\n`);
    for (const issue of result.errors) io.stderr.write(`  ${formatIssue(issue)}\n`);
    return undefined;
  }
  const fromEnv = configFromEnv(io.env);
  if (fromEnv === undefined) {
    io.stderr.write(
      'No config: pass --config FILE, create ./switchyard.yaml, or set a provider key (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).\n' +
        'To try Switchyard without keys, run `npm start` (demo mode).\n',
    );
    return undefined;
  }
  // Said on stderr so it is visible even when stdout is piped to a log collector.
  io.stderr.write(`No config file; using providers from the environment: ${fromEnv.providers.join(', ')}\n`);
  return { config: fromEnv.config };
}
