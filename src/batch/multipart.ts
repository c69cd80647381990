/**
 * A streaming multipart/form-data parser (RFC 7578): bytes in through `write`, parts out through
 * callbacks, so a 200 MB upload is never held in memory. It keeps at most one delimiter's worth of
 * bytes between chunks (plus one part's headers, capped).
 */

export interface PartHeaders {
  /** The `name` of Content-Disposition. */
  name: string;
  /** The `filename` of Content-Disposition; undefined for a plain field. */
  filename: string | undefined;
  contentType: string | undefined;
}

export interface MultipartHandlers {
  onPart(headers: PartHeaders): void;
  onData(chunk: Buffer): void;
  onPartEnd(): void;
}

export class MultipartError extends Error {}

const HEADER_LIMIT = 16 * 1024;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

type State = 'preamble' | 'headers' | 'body' | 'after-delimiter' | 'done';

/** The boundary of a `multipart/form-data; boundary=…` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !contentType.toLowerCase().startsWith('multipart/form-data'))
    return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary === undefined || boundary.length > 200 ? undefined : boundary;
}

export class MultipartParser {
  readonly #handlers: MultipartHandlers;
  /** `--boundary` for the first delimiter, `\r\n--boundary` for the rest. */
  readonly #first: Buffer;
  readonly #delimiter: Buffer;
  #state: State = 'preamble';
  #carry: Buffer = Buffer.alloc(0);

  constructor(boundary: string, handlers: MultipartHandlers) {
    this.#handlers = handlers;
    this.#first = Buffer.from(`--${boundary}`);
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  write(chunk: Buffer): void {
    let buffer = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    for (;;) {
      if (this.#state === 'done') {
        this.#carry = Buffer.alloc(0);
        return;
      }
      if (this.#state === 'preamble') {
        const at = buffer.indexOf(this.#first);
        if (at === -1) {
          buffer = buffer.subarray(Math.max(0, buffer.length - this.#first.length));
          break;
        }
        buffer = buffer.subarray(at + this.#first.length);
        this.#state = 'after-delimiter';
        continue;
      }
      if (this.#state === 'after-delimiter') {
        if (buffer.length < 2) break;
        if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
          this.#state = 'done';
          continue;
        }
        // Transport padding (spaces, tabs) may precede the CRLF after a delimiter (RFC 2046 §5.1.1).
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) {
          if (buffer.length > 256) throw new MultipartError('malformed multipart delimiter line');
          break;
        }
        buffer = buffer.subarray(eol + 2);
        this.#state = 'headers';
        continue;
      }
      if (this.#state === 'headers') {
        const end = buffer.indexOf(CRLF_CRLF);
        if (end === -1) {
          if (buffer.length > HEADER_LIMIT) throw new MultipartError('multipart part headers too large');
          break;
        }
        this.#handlers.onPart(parsePartHeaders(buffer.subarray(0, end).toString('utf8')));
        buffer = buffer.subarray(end + 4);
        this.#state = 'body';
        continue;
      }
      // body
      const at = buffer.indexOf(this.#delimiter);
      if (at === -1) {
        // Everything but a possible delimiter prefix at the end is part data.
        const keep = this.#delimiter.length - 1;
        if (buffer.length > keep) {
          this.#handlers.onData(buffer.subarray(0, buffer.length - keep));
          buffer = buffer.subarray(buffer.length - keep);
        }
        break;
      }
      if (at > 0) this.#handlers.onData(buffer.subarray(0, at));
      this.#handlers.onPartEnd();
      buffer = buffer.subarray(at + this.#delimiter.length);
      this.#state = 'after-delimiter';
    }
    // Copy: the caller's chunk may be reused, and a subarray would pin it whole.
    this.#carry = Buffer.from(buffer);
  }

  /** The body ended: throws unless the closing delimiter was seen. */
  end(): void {
    if (this.#state !== 'done')
      throw new MultipartError('the multipart body ended before its closing boundary');
  }
}

function parsePartHeaders(text: string): PartHeaders {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') {
      name = dispositionParam(value, 'name');
      filename = dispositionParam(value, 'filename');
    } else if (key === 'content-type') contentType = value;
  }
  if (name === undefined) throw new MultipartError('a multipart part has no Content-Disposition name');
  return { name, filename, contentType };
}

function dispositionParam(value: string, param: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(value);
  if (match === null) return undefined;
  const quoted = match[1];
  return quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : match[2]?.trim();
}
