/**
 * Starting, measuring and stopping the bench's processes. Each server runs in its own process group,
 * pinned to a CPU with taskset when there is one to spare, and is stopped by its group id: only what
 * the bench started is ever signalled. RSS and CPU time come from /proc for the server and its
 * descendants (cluster workers), never from a wrapper process.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const GATEWAY_BIN = join(import.meta.dirname, '..', 'bin', 'switchyard.js');

/** `switchyard start` on a config and port, as the bench runs it (this Node, optional workers). */
export function gatewayArgv(config: string, port: number, workers = 1): string[] {
  return [
    process.execPath,
    GATEWAY_BIN,
    'start',
    '--config',
    config,
    '--port',
    String(port),
    ...(workers > 1 ? ['--workers', String(workers)] : []),
  ];
}

export interface Started {
  name: string;
  port: number;
  child: ChildProcess;
}

export const hasTaskset = commandExists('taskset');

export function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    // `command -v` exits non-zero when the command is missing: that is the answer, not a failure.
    return false;
  }
}

/** `taskset -c CPU` when pinning is possible, else nothing. */
export function pinned(cpu: string | undefined, argv: string[]): string[] {
  return cpu !== undefined && hasTaskset ? ['taskset', '-c', cpu, ...argv] : argv;
}

export function startServer(options: {
  name: string;
  port: number;
  argv: string[];
  cpu: string | undefined;
  logFile: string;
  env?: Record<string, string>;
}): Started {
  const [command, ...args] = pinned(options.cpu, options.argv);
  const out = openSync(options.logFile, 'a');
  const child = spawn(command as string, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...options.env },
  });
  return { name: options.name, port: options.port, child };
}

/**
 * bench/fake-upstream.ts on `port`, listening when this resolves; its output goes to `dir`/upstream.log.
 * One that never listens is stopped before the error is thrown, so callers need not track it until then.
 */
export async function startFakeUpstream(
  port: number,
  cpu: string | undefined,
  dir: string,
): Promise<Started> {
  const upstream = startServer({
    name: 'upstream',
    port,
    argv: [process.execPath, join(import.meta.dirname, 'fake-upstream.ts'), String(port)],
    cpu,
    logFile: join(dir, 'upstream.log'),
  });
  try {
    await waitForPort(upstream, 20_000);
  } catch (error) {
    await stopServer(upstream);
    throw error;
  }
  return upstream;
}

export async function waitForPort(server: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null)
      throw new Error(`${server.name} exited with ${server.child.exitCode}`);
    if (await canConnect(server.port)) return;
    await sleep(50);
  }
  throw new Error(`${server.name} did not listen on ${server.port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function stopServer(server: Started): Promise<void> {
  const pid = server.child.pid;
  if (pid === undefined || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

/** The server's pid and every descendant's (cluster workers). */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  return readStatFile(`/proc/${pid}/stat`);
}

/** A process's or a thread's `stat` (/proc/PID/stat, /proc/PID/task/TID/stat). */
function readStatFile(path: string): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // the process ended between readdir and read
  }
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return ticks / clockTicks;
}

/**
 * CPU seconds of a process's threads by thread name (/proc/PID/task): the event loop is `MainThread`,
 * V8's helpers (GC, the compiler) are `V8Worker`, libuv's pool `libuv-worker`, a worker_threads
 * Worker (the SQLite log thread) `WorkerThread`; threads of one name are summed.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    const dir = `/proc/${pid}/task/${thread}`;
    const stat = readStatFile(`${dir}/stat`);
    let name: string;
    try {
      name = readFileSync(`${dir}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended between readdir and read: its time is gone with it
    }
    if (stat !== undefined) byName.set(name, (byName.get(name) ?? 0) + stat.cpuTicks / clockTicks);
  }
  return byName;
}

/**
 * CPU time spent in user and kernel mode by every process on the machine (/proc/stat). Compared with
 * the time of the processes the bench runs, it tells how much else ran during a measurement: on a
 * shared machine a type-check or a test run steals the target's core and halves its figure.
 */
function machineCpuFields(): number[] {
  // cpu user nice system idle iowait irq softirq steal ...
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/) ?? [];
  return fields.slice(1).map(Number);
}

export function machineCpuSeconds(): number {
  const [user = 0, nice = 0, system = 0] = machineCpuFields();
  return (user + nice + system) / clockTicks;
}

/**
 * Time the hypervisor ran other guests while this one's CPUs wanted to run (`steal` in /proc/stat), in
 * CPU-seconds. On a busy host it makes every figure noisy (cross-CPU wake-ups turn from microseconds into
 * milliseconds), and no process on this machine shows it.
 */
export function machineStealSeconds(): number {
  return (machineCpuFields()[7] ?? 0) / clockTicks;
}

function statusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return Number(match?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Peak RSS since the last reset, summed over the processes, in MB. */
export function peakRssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) kb += statusKb(pid, 'VmHWM');
  return kb / 1024;
}

/** Resets the peak-RSS mark (write 5 to clear_refs); false when the kernel does not allow it. */
export function resetPeakRss(pids: number[]): boolean {
  let ok = true;
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false; // then VmHWM is the lifetime peak, which run.ts reports as such
    }
  }
  return ok;
}

/**
 * Waits until the machine is quiet (everything else together under 5 % of one CPU for 300 ms; the
 * bench's own servers are idle between measurements), or `maxWaitMs` has passed. Returns the time
 * waited.
 */
export async function waitForQuiet(maxWaitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxWaitMs) {
    const before = machineCpuSeconds();
    await sleep(300);
    if (machineCpuSeconds() - before < 0.015) break;
  }
  return Date.now() - started;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command to completion with a hard time limit; resolves with its stdout. */
export async function runToEnd(
  argv: string[],
  timeoutMs: number,
  env?: Record<string, string>,
): Promise<string> {
  return (await runMeasured(argv, timeoutMs, env)).stdout;
}

/** As runToEnd, and the CPU time the command used (sampled from /proc every 100 ms until it exits). */
export function runMeasured(
  argv: string[],
  timeoutMs: number,
  env?: Record<string, string>,
): Promise<{ stdout: string; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    const child = spawn(command as string, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let cpuTicks = 0;
    const sampler = setInterval(() => {
      cpuTicks = readStat(child.pid as number)?.cpuTicks ?? cpuTicks;
    }, 100);
    child.on('error', (error) => {
      clearTimeout(timer);
      clearInterval(sampler);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      if (code === 0) resolve({ stdout, cpuSeconds: cpuTicks / clockTicks });
      else
        reject(
          new Error(`${argv.slice(0, 3).join(' ')} failed (${signal ?? code}): ${stderr.slice(0, 500)}`),
        );
    });
  });
}
