// `switchyard check --config FILE`: validates a config the way `start` would,
// environment substitution included, and prints every problem with its path.
// Exit codes: 0 valid, 1 invalid, 2 bad command line.

import { parseArgs } from 'node:util';
import type { Env } from '../config/env-substitution.ts';
import { formatIssue } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import { notYetEnforced } from '../config/not-yet-enforced.ts';

type Output = { write(chunk: string): unknown };
export type CheckIo = { stdout: Output; stderr: Output; env: Env };

const USAGE = `Usage: switchyard check --config FILE

Validates FILE, substituting \${VAR} from the environment as start does, and
prints each problem as "path: message". Exits 0 when valid, 1 when not.`;

/** `argv` is what follows `check` on the command line. */
export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    configPath = values.config;
  } catch (error) {
    // parseArgs throws only for a malformed command line; its message names the bad option.
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (configPath === undefined || configPath === '') {
    io.stderr.write(`check needs --config FILE\n\n${USAGE}\n`);
    return 2;
  }

  const result = await loadConfigFile(configPath, io.env);
  if (!result.ok) {
    for (const issue of result.errors) io.stdout.write(`${formatIssue(issue)}\n`);
    io.stdout.write(`${configPath}: ${plural(result.errors.length, 'problem')}\n`);
    return 1;
  }
  for (const warning of notYetEnforced(result.config)) io.stdout.write(`warning: ${formatIssue(warning)}\n`);
  const { providers, models, tenants } = result.config;
  const counts = [
    plural(Object.keys(providers).length, 'provider'),
    plural(Object.keys(models).length, 'model'),
    plural(Object.keys(tenants).length, 'tenant'),
  ];
  io.stdout.write(`ok: ${configPath}: ${counts.join(', ')}\n`);
  return 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
