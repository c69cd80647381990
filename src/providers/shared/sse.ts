/**
 * Incremental Server-Sent Events parser shared by every stream adapter (docs/providers.md §0, "SSE framing
 * rules"). Bytes arrive in arbitrary pieces: an event, a line, a CRLF pair or a multi-byte UTF-8
 * character may be split across reads, so all of that state is carried between `push` calls.
 */
export interface SseEvent {
  /** The `event:` field; only Anthropic (and OpenAI's `event: error`) send one. */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

export type OnSseEvent = (event: SseEvent) => void;

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

export class SseParser {
  // TextDecoder in stream mode holds back a partial UTF-8 sequence until its last byte arrives.
  #decoder = new TextDecoder('utf-8');
  #partialLine = '';
  // A CR that ended the previous piece may be the first half of CRLF; its LF must not end an event.
  #skipLeadingLf = false;
  #eventName: string | undefined = undefined;
  #data: string | undefined = undefined;

  push(bytes: Uint8Array | string, onEvent: OnSseEvent): void {
    const text = typeof bytes === 'string' ? bytes : this.#decoder.decode(bytes, { stream: true });
    if (text.length > 0) this.#consume(text, onEvent);
  }

  /**
   * The body ended. A final event that lacks its blank line is still delivered: Gemini ends its stream
   * by closing the connection, and a lenient end costs nothing when the terminator was there.
   */
  end(onEvent: OnSseEvent): void {
    const rest = this.#decoder.decode();
    if (rest.length > 0) this.#consume(rest, onEvent);
    if (this.#partialLine !== '') {
      const line = this.#partialLine;
      this.#partialLine = '';
      this.#line(line, onEvent);
    }
    this.#dispatch(onEvent);
  }

  #consume(text: string, onEvent: OnSseEvent): void {
    let start = 0;
    if (this.#skipLeadingLf) {
      this.#skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    // Fast path: almost every provider frames with bare LF, so one indexOf per line suffices.
    if (text.indexOf('\r', start) === -1) {
      let newline = text.indexOf('\n', start);
      while (newline !== -1) {
        this.#takeLine(text, start, newline, onEvent);
        start = newline + 1;
        newline = text.indexOf('\n', start);
      }
    } else {
      const length = text.length;
      let i = start;
      while (i < length) {
        const code = text.charCodeAt(i);
        if (code !== LF && code !== CR) {
          i++;
          continue;
        }
        this.#takeLine(text, start, i, onEvent);
        if (code === CR) {
          if (i + 1 === length) this.#skipLeadingLf = true;
          else if (text.charCodeAt(i + 1) === LF) i++;
        }
        i++;
        start = i;
      }
    }
    if (start < text.length) this.#partialLine += text.slice(start);
  }

  #takeLine(text: string, start: number, end: number, onEvent: OnSseEvent): void {
    // Nearly every line is `data: …` or the blank line ending an event: read those in place, without
    // slicing the line and then its field name and value out of it.
    if (this.#partialLine === '') {
      if (start === end) {
        this.#dispatch(onEvent);
        return;
      }
      if (text.startsWith('data: ', start)) {
        this.#appendData(text.slice(start + 6, end));
        return;
      }
    }
    let line = text.slice(start, end);
    if (this.#partialLine !== '') {
      line = this.#partialLine + line;
      this.#partialLine = '';
    }
    this.#line(line, onEvent);
  }

  #line(line: string, onEvent: OnSseEvent): void {
    if (line.length === 0) {
      this.#dispatch(onEvent);
      return;
    }
    if (line.charCodeAt(0) === COLON) return; // comment / keep-alive (DeepSeek sends `: keep-alive`)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = '';
    if (colon !== -1)
      value = line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
    if (field === 'data') this.#appendData(value);
    else if (field === 'event') this.#eventName = value;
    // `id:` and `retry:` mean nothing to a gateway reading one response; other fields are ignored by spec.
  }

  /** Multiple `data:` lines of one event join with `\n` (SSE spec). */
  #appendData(value: string): void {
    this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
  }

  #dispatch(onEvent: OnSseEvent): void {
    const data = this.#data;
    const event = this.#eventName;
    this.#data = undefined;
    this.#eventName = undefined;
    // Per the SSE spec an event without data lines is not dispatched (e.g. a lone `event:` line).
    if (data !== undefined) onEvent({ event, data });
  }
}
