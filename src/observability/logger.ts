/**
 * The process logger. Lines go to an asynchronous destination (pino's SonicBoom with sync: false) so
 * a slow stdout never blocks a request; secrets are kept out of log objects by construction (we log
 * key ids, never keys) and redaction is the second line of defence.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Defaults to stdout (fd 1). */
  destination?: number | string;
  sync?: boolean;
}

/**
 * Lines wait in memory until this many bytes are queued or the next periodic flush, so a busy gateway
 * makes one write per ~90 request lines. Each write is a round trip through libuv's thread pool (a
 * thread woken, the write, the event loop woken for its callback), which on a virtual machine costs
 * more than building the lines: at 4 KB a batch (~7 lines) a request line cost 10.3 µs of CPU, at 60 KB
 * 3.1 µs (bench/line-cost.ts, to a file). At most 200 ms of lines wait; pino flushes what is queued
 * when the process exits. SonicBoom refuses a `minLength` that is not below `maxWrite` (16 KB by default).
 */
const BATCH_BYTES = 60_000;
const MAX_WRITE_BYTES = 128 * 1024;
const FLUSH_EVERY_MS = 200;

export function createLogger(options: LoggerOptions = {}): Logger {
  const sync = options.sync ?? false;
  // Buffer mode: SonicBoom's text mode measures every line, and again the whole queued batch on each
  // write, with V8's scalar UTF-8 length (~10 instructions a character); Buffer.from encodes a line with
  // SIMD and the batch is then measured by `.length`.
  const destination = pino.destination({
    dest: options.destination ?? 1,
    sync,
    minLength: sync ? 0 : BATCH_BYTES,
    maxWrite: MAX_WRITE_BYTES,
    periodicFlush: sync ? 0 : FLUSH_EVERY_MS,
    contentMode: 'buffer',
  });
  const stream = {
    write: (line: string) => destination.write(Buffer.from(line) as unknown as string),
    flush: (callback?: (error?: Error) => void) => destination.flush(callback),
  };
  return pino(
    {
      level: options.level ?? process.env.SWITCHYARD_LOG_LEVEL ?? 'info',
      base: { service: 'switchyard' },
      timestamp: isoTimeCachedPerMs,
      redact: {
        paths: [
          '*.authorization',
          '*.api_key',
          '*.apiKey',
          '*.key',
          '*.keys',
          'headers.authorization',
          'headers["x-api-key"]',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

let lastMs = 0;
let lastTime = '';

/**
 * pino's isoTime, formatted once per millisecond: under load many lines share a millisecond, and
 * `toISOString` was 1 % of the gateway's profile at c=50.
 */
function isoTimeCachedPerMs(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** For tests and tools that want no output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
