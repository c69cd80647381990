/**
 * A gateway as its own process: `switchyard start --config FILE` on a free port, its JSON log lines
 * collected, stopped with SIGTERM (SIGKILL after 5 s). For tests that must rule out state shared
 * through process memory (two instances on one Redis, one store).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';

const BIN = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  client: OpenAI;
  /** Parsed JSON log lines from the child's stdout. */
  logs: Array<Record<string, unknown>>;
}

/** Starts `switchyard start` on a free port and resolves once it says where it listens. */
export function startProcess(configPath: string, apiKey = 'unused'): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--config', configPath, '--port', '0', '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info' },
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        const listening = /^Switchyard listening on (\S+)/.exec(line);
        if (listening !== null) {
          clearTimeout(timer);
          const base = listening[1] as string;
          const client = new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: 15_000 });
          resolve({ child, url: base, client, logs });
        } else if (line.startsWith('{')) {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
    });
  });
}

export async function stopProcess(gateway: GatewayProcess): Promise<void> {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
}
