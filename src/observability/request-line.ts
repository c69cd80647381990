/**
 * Writes the one log line per request (pipeline/log.ts) straight to the logger's destination, framed
 * byte for byte as pino frames it: the level and time prefix, the logger's bindings, the fields, then
 * `"msg":"request"`. pino's generic path (a stringifier and serializer lookup per field, and the
 * redaction walk) cost about twice a plain `JSON.stringify` of the same object, on a line every request
 * writes. That line has a fixed shape of ids, names and numbers (key ids, never keys), so it needs
 * neither.
 *
 * The framing comes from pino's public integration symbols (`pino.symbols`). A logger that transforms
 * lines (a mixin, a stream-write hook, a `log` formatter, a nested key, a message prefix, a destination
 * that wants per-line metadata such as a multistream) gets the line through its own `info` instead.
 */
import pino, { type Logger } from 'pino';

const symbols = pino.symbols;

interface PinoInternals {
  [symbols.lsCacheSym]: Record<number, string>;
  [symbols.timeSym]: () => string;
  [symbols.chindingsSym]: string;
  [symbols.endSym]: string;
  [symbols.streamSym]: { write(line: string): unknown; [key: symbol]: unknown };
  [symbols.mixinSym]: unknown;
  [symbols.hooksSym]: { streamWrite?: unknown } | undefined;
  [symbols.formattersSym]: { log?: unknown } | undefined;
  [symbols.nestedKeySym]: unknown;
  [symbols.messageKeySym]: string;
}

const INFO = 30;
const needsMetadata = Symbol.for('pino.metadata');

export class RequestLineWriter {
  readonly #logger: Logger;
  readonly #internals: PinoInternals;
  readonly #direct: boolean;
  readonly #message: string;

  constructor(logger: Logger) {
    this.#logger = logger;
    const internals = logger as unknown as PinoInternals;
    this.#internals = internals;
    const stream = internals[symbols.streamSym];
    this.#direct =
      typeof internals[symbols.lsCacheSym]?.[INFO] === 'string' &&
      typeof internals[symbols.timeSym] === 'function' &&
      typeof stream?.write === 'function' &&
      stream[needsMetadata] !== true &&
      !internals[symbols.mixinSym] &&
      !internals[symbols.hooksSym]?.streamWrite &&
      !internals[symbols.formattersSym]?.log &&
      !internals[symbols.nestedKeySym] &&
      !(logger as unknown as { msgPrefix?: string }).msgPrefix;
    this.#message = `,${JSON.stringify(internals[symbols.messageKeySym] ?? 'msg')}:"request"`;
  }

  /** One line with `fields` (a plain JSON object of this line's own shape) and the message `request`. */
  write(fields: object): void {
    const logger = this.#logger;
    if (logger.levelVal > INFO) return;
    if (!this.#direct) {
      logger.info(fields, 'request');
      return;
    }
    const internals = this.#internals;
    const json = JSON.stringify(fields);
    // `{…}` → `,…`: the fields follow the bindings inside pino's own braces.
    const body = json.length > 2 ? `,${json.slice(1, -1)}` : '';
    internals[symbols.streamSym].write(
      `${internals[symbols.lsCacheSym][INFO]}${internals[symbols.timeSym]()}${internals[symbols.chindingsSym]}${body}${this.#message}${internals[symbols.endSym]}`,
    );
  }
}

const writers = new WeakMap<Logger, RequestLineWriter>();

/** The writer for `logger`, made once per logger. */
export function requestLineWriter(logger: Logger): RequestLineWriter {
  let writer = writers.get(logger);
  if (writer === undefined) {
    writer = new RequestLineWriter(logger);
    writers.set(logger, writer);
  }
  return writer;
}
