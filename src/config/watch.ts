// Reloads the config on SIGHUP and when its file changes. A new config that
// fails validation goes to onReject and the caller keeps running the old one.

import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Env } from './env-substitution.ts';
import type { ConfigIssue } from './errors.ts';
import { parseConfig, readIssue } from './load.ts';
import type { Config } from './schema.ts';

export type ConfigWatchHandlers = {
  onReload(config: Config): void;
  onReject(issues: ConfigIssue[]): void;
};

export type ConfigWatcher = {
  /** Resolves once changes are being watched; a change made before then may be missed. */
  ready: Promise<void>;
  /** Reloads now, changed or not: what SIGHUP does. */
  reload(): Promise<void>;
  close(): void;
};

// Editors save in bursts (write, chmod, rename); one reload per burst.
const DEBOUNCE_MS = 100;

/**
 * Handlers should not throw. An exception from onReload is reported to
 * onReject (the new config was valid but could not be applied); one from
 * onReject is rethrown as an uncaught exception.
 */
export function watchConfig(path: string, env: Env, handlers: ConfigWatchHandlers): ConfigWatcher {
  const file = resolve(path);
  const name = basename(file);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  // The text last handled (accepted or rejected), so that saves that change
  // nothing, and events for other files in the directory, do not reload.
  let lastText: string | undefined;

  // One reload at a time, in order, so an older read never wins over a newer one.
  let queue: Promise<void> = readFile(file, 'utf8').then(
    (text) => {
      lastText = text;
    },
    () => {
      // No baseline: the file is missing or unreadable now, so its next appearance must reload.
    },
  );

  const reloadOnce = async (force: boolean): Promise<void> => {
    if (closed) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      // Often a save in progress (the next event reloads) or a deleted file; either way the old config stays.
      lastText = undefined;
      if (!closed) handlers.onReject([readIssue(path, error)]);
      return;
    }
    if (closed || (!force && text === lastText)) return;
    // Writing in place truncates first; an empty read is a save still in
    // progress (no valid config is empty), and its write brings another event.
    if (!force && text === '') return;
    lastText = text;
    const result = await parseConfig(text, path, env);
    if (closed) return;
    if (!result.ok) {
      handlers.onReject(result.errors);
      return;
    }
    try {
      handlers.onReload(result.config);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      handlers.onReject([{ path, message: `the new config is valid but applying it failed: ${reason}` }]);
    }
  };

  const rethrow = (error: unknown) => {
    process.nextTick(() => {
      throw error;
    });
  };

  const enqueue = (force: boolean): Promise<void> => {
    const run = queue.then(() => reloadOnce(force));
    queue = run.catch(() => undefined);
    return run;
  };

  const onSignal = () => {
    enqueue(true).catch(rethrow);
  };

  const onChange = (_event: string, changed: string | Buffer | null) => {
    const changedName = changed?.toString();
    // Kubernetes ConfigMap volumes swap a "..data" symlink instead of touching the file itself.
    if (changedName !== undefined && changedName !== name && !changedName.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      enqueue(false).catch(rethrow);
    }, DEBOUNCE_MS);
    timer.unref();
  };

  // Watch the directory, not the file: editors that save by writing a new
  // file and renaming it over the old one would otherwise leave us watching
  // an inode that no longer has a name.
  try {
    watcher = watch(dirname(file), { persistent: false }, onChange);
    watcher.on('error', (error) => {
      watcher?.close();
      handlers.onReject([
        { path, message: `stopped watching for changes (${error.message}); SIGHUP still reloads` },
      ]);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    queue = queue.then(() => {
      try {
        handlers.onReject([{ path, message: `cannot watch for changes (${reason}); SIGHUP still reloads` }]);
      } catch (handlerError) {
        rethrow(handlerError);
      }
    });
  }
  process.on('SIGHUP', onSignal);

  return {
    ready: queue,
    reload: () => enqueue(true),
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onSignal);
    },
  };
}
