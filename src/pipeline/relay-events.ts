/**
 * Cuts a passthrough's upstream text into whole SSE events, each with its own bytes as they came, for
 * output moderation to hold and release one event at a time (exchange.ts): an event's text goes out
 * only with the verdict on it, so no piece of it may go out before its blank line has arrived. Each
 * piece ends where the SSE parser dispatches (an empty line, a line ending being LF, CR or CRLF), so fed
 * to the parser piece by piece it dispatches exactly the events of that piece. Only a moderated relay
 * pays for this; without moderation the bytes are relayed as they are read.
 */

const LF = 10;
const CR = 13;

export class RelayEvents {
  /** Keeps a UTF-8 character split across two reads whole. */
  readonly #decoder = new TextDecoder('utf-8');
  /** Text after the last cut: the event still arriving. */
  #rest = '';
  /** The text so far ends a line (the start of the stream counts as one). */
  #lineStart = true;
  /** The text so far ends with CR: an LF next completes that line ending, it ends no second line. */
  #afterCr = false;

  /** Bytes in; every whole event they complete out, in order. */
  push(bytes: Uint8Array, onEvent: (raw: string) => void): void {
    const text = this.#decoder.decode(bytes, { stream: true });
    if (text === '') return;
    const all = this.#rest + text;
    let from = 0;
    // Scanning resumes where the last push stopped: what is before it holds no event end.
    const scanFrom = this.#rest.length;
    if (!this.#afterCr && text.indexOf('\r') === -1) {
      // Nearly every upstream frames with bare LF: an event ends at each "\n\n" (or "\n" at a line start).
      let at = all.indexOf('\n', scanFrom);
      while (at !== -1) {
        const emptyLine = at === scanFrom ? this.#lineStart : all.charCodeAt(at - 1) === LF;
        if (emptyLine) {
          onEvent(all.slice(from, at + 1));
          from = at + 1;
        }
        at = all.indexOf('\n', at + 1);
      }
      this.#lineStart = all.charCodeAt(all.length - 1) === LF;
    } else {
      for (let i = scanFrom; i < all.length; i++) {
        const code = all.charCodeAt(i);
        if (code === LF && this.#afterCr) {
          this.#afterCr = false;
          continue;
        }
        if (code !== LF && code !== CR) {
          this.#lineStart = false;
          this.#afterCr = false;
          continue;
        }
        if (this.#lineStart) {
          onEvent(all.slice(from, i + 1));
          from = i + 1;
        }
        this.#lineStart = true;
        this.#afterCr = code === CR;
      }
    }
    this.#rest = from === 0 ? all : all.slice(from);
  }

  /** The upstream ended: what followed the last event end (a last event without its blank line). */
  end(): string {
    const rest = this.#rest + this.#decoder.decode();
    this.#rest = '';
    return rest;
  }
}
