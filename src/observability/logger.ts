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

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = pino.destination({
    dest: options.destination ?? 1,
    sync: options.sync ?? false,
    minLength: 0,
  });
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
    destination,
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

/**
 * The logger for the one line per request (pipeline/log.ts): the same destination and level, without
 * the redaction. That line has a fixed shape of ids, names and numbers (key ids, never keys), so no
 * redact path can match in it, yet the wildcard paths above made pino walk every field of it: 8.3 µs a
 * line against 4.4 µs for the whole line without them (bench/profile.ts, docs/performance.md). Every
 * other log call keeps the redaction, since it may carry arbitrary objects.
 */
export function requestLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}

/** For tests and tools that want no output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
