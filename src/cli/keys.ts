/**
 * `switchyard keys create|list|revoke`: virtual keys in the store the config names (docs/design.md §1).
 * `create` prints the key once, alone on the last line of stdout (only its hash is stored); every
 * running gateway on that store picks the change up within `limits.key_refresh_ms`, without a restart.
 */
import { parseArgs } from 'node:util';
import { GatewayError } from '../errors/gateway-error.ts';
import { keyJson, createVirtualKey } from '../server/admin-keys.ts';
import { describeStoreSetting, openStore } from '../store/from-config.ts';
import type { Store } from '../store/types.ts';
import type { CliIo } from './io.ts';
import { resolveConfig } from './start.ts';

const USAGE = `Usage:
  switchyard keys create --tenant NAME [--tier T] [--models a,b] [--name LABEL] [--config FILE]
  switchyard keys list   [--tenant NAME] [--config FILE]
  switchyard keys revoke ID [--config FILE]

Manages virtual keys in the store named by the config's \`store\` setting (default
sqlite:./data/switchyard.db). \`create\` prints the new key alone on the last line of stdout; it is
shown only once. Running gateways on the same store see a new or revoked key within seconds.`;

export async function runKeys(argv: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  let values: {
    config?: string;
    tenant?: string;
    tier?: string;
    models?: string;
    name?: string;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string', short: 'c' },
        tenant: { type: 'string', short: 't' },
        tier: { type: 'string' },
        models: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    io.stderr.write(`Unknown keys command '${action}'.\n\n${USAGE}\n`);
    return 2;
  }
  if (action === 'create' && (values.tenant === undefined || values.tenant === '')) {
    io.stderr.write(`keys create needs --tenant NAME\n\n${USAGE}\n`);
    return 2;
  }
  if (action !== 'revoke' && positionals.length > 0) {
    io.stderr.write(
      `keys ${action} takes no arguments besides its flags (got '${positionals[0]}')\n\n${USAGE}\n`,
    );
    return 2;
  }
  if (action === 'revoke' && positionals.length !== 1) {
    io.stderr.write(`keys revoke needs exactly one key ID (see \`switchyard keys list\`)\n\n${USAGE}\n`);
    return 2;
  }

  const resolved = await resolveConfig(values.config, io);
  if (resolved === undefined) return 1;
  let store: Store;
  try {
    store = await openStore(resolved.config.store);
  } catch (error) {
    io.stderr.write(
      `Cannot open the store ${describeStoreSetting(resolved.config.store)}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  try {
    if (action === 'create') {
      const config = resolved.config;
      const created = await createVirtualKey(
        store,
        config,
        async (name) =>
          Object.hasOwn(config.tenants, name) ||
          (await store.listTenants()).some((tenant) => tenant.name === name),
        {
          tenant: values.tenant as string,
          tier: values.tier,
          models:
            values.models === undefined
              ? undefined
              : values.models
                  .split(',')
                  .map((m) => m.trim())
                  .filter(Boolean),
          name: values.name,
        },
      );
      io.stderr.write(
        `Created key ${created.record.id} for tenant ${created.record.tenant}. It is shown only now; store it safely.\n`,
      );
      io.stdout.write(`${created.key}\n`);
      return 0;
    }
    if (action === 'list') {
      const keys = await store.listKeys(values.tenant === undefined ? {} : { tenant: values.tenant });
      for (const key of keys) io.stdout.write(`${JSON.stringify(keyJson(key))}\n`);
      if (keys.length === 0) io.stderr.write('No keys.\n');
      return 0;
    }
    const id = positionals[0] as string;
    if (!(await store.revokeKey(id, Date.now()))) {
      io.stderr.write(`There is no live key with id '${id}'.\n`);
      return 1;
    }
    io.stdout.write(`Revoked ${id}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof GatewayError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}
