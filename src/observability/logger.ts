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
      timestamp: pino.stdTimeFunctions.isoTime,
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

/** For tests and tools that want no output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
