/**
 * Runs one gateway process until a signal stops it: listen, reload on SIGHUP / file change, drain on
 * SIGTERM or SIGINT. Shared by `start` and `demo`.
 */
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { notYetEnforced } from '../config/not-yet-enforced.ts';
import { changedStartOnlyKeys } from '../config/start-only.ts';
import type { Config } from '../config/schema.ts';
import { watchConfig } from '../config/watch.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { Gateway } from '../server/gateway.ts';
import { describeStoreSetting, openStore } from '../store/from-config.ts';
import type { Store } from '../store/types.ts';
import { prewarmConnections } from '../transport/prewarm.ts';
import { clusterScrapeRegistry } from './cluster-metrics.ts';

export interface ServeOptions {
  config: Config;
  /** The file to watch for reloads; none when the config came from the environment or the demo. */
  configPath?: string;
  env: Readonly<Record<string, string | undefined>>;
  port?: number;
  host?: string;
  logger?: Logger;
  /** The store to use instead of opening the one `config.store` names (the demo, tests). */
  store?: Store;
  /** Called after the gateway has drained, before the process exits. */
  onStopped?: () => Promise<void>;
}

export interface Serving {
  gateway: Gateway;
  address: AddressInfo;
  url: string;
  logger: Logger;
  /** Resolves with the exit code once a signal has stopped the gateway. */
  stopped: Promise<number>;
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const logger = options.logger ?? createLogger();
  const store = options.store ?? (await openConfiguredStore(options.config.store));
  // Under --workers a scrape must show the whole cluster, not whichever worker took the connection.
  const metrics = createMetrics(cluster.isWorker ? { registry: clusterScrapeRegistry() } : {});
  const gateway = new Gateway({
    config: options.config,
    services: { logger, metrics, random: Math.random },
    store,
  });
  const host = options.host ?? options.config.server.host;
  let address: AddressInfo;
  try {
    address = await gateway.listen(options.port ?? options.config.server.port, host);
  } catch (error) {
    // Nothing was served; close what the gateway opened (state store, pools) so the process can exit
    // once the caller has said why, instead of lingering on an open connection.
    await gateway.shutdown(0);
    throw error;
  }
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  void prewarmConnections(gateway.snapshot, logger);
  for (const warning of notYetEnforced(options.config))
    logger.warn(warning, 'config setting not enforced yet');

  const watcher =
    options.configPath === undefined
      ? undefined
      : watchConfig(options.configPath, options.env, {
          onReload: (config) => {
            const startOnly = changedStartOnlyKeys(gateway.snapshot.config, config);
            if (startOnly.length > 0)
              logger.warn(
                { keys: startOnly },
                'config keys changed that apply at the next start; their running values stay in force',
              );
            gateway.reload(config);
            void prewarmConnections(gateway.snapshot, logger);
            // Warn about the config now in force, not the one the process started with.
            for (const warning of notYetEnforced(config))
              logger.warn(warning, 'config setting not enforced yet');
            logger.info({ config_version: gateway.snapshot.version }, 'config reloaded');
          },
          onReject: (issues) =>
            logger.error({ issues }, 'config reload rejected; the previous config stays in force'),
        });

  // Without a listener SIGHUP would kill the process; with no file there is nothing to reload.
  const onHangup = () => logger.info('SIGHUP ignored: this gateway has no config file to reload');
  if (watcher === undefined) process.on('SIGHUP', onHangup);

  let resolveStopped: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      watcher?.close();
      process.off('SIGHUP', onHangup);
      logger.info({ in_flight: gateway.inFlight }, 'draining');
      // The grace period in force now: a reload may have changed it.
      await gateway.shutdown(gateway.snapshot.config.server.shutdown_grace_ms);
      await options.onStopped?.();
      logger.info('stopped');
      logger.flush();
      resolveStopped(0);
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutdown requested');
    stop().catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      resolveStopped(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info(
    { url, providers: [...gateway.snapshot.providers.keys()], models: gateway.snapshot.models.size },
    'listening',
  );
  return { gateway, address, url, logger, stopped, stop };
}

/** The store could not be opened at start: `start` prints the message as its one line and exits 1. */
export class StoreOpenError extends Error {}

/** Opens the store, or fails the start with one clear line: a gateway must not run without its keys. */
async function openConfiguredStore(setting: string): Promise<Store> {
  try {
    return await openStore(setting);
  } catch (error) {
    throw new StoreOpenError(
      `Cannot open the store ${describeStoreSetting(setting)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
