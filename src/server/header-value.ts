/**
 * Makes a string from upstream data safe to send as a response header value. Node's writeHead throws
 * (ERR_INVALID_CHAR) on CR, LF, other control characters and anything past Latin-1, and an upstream
 * that echoes the client's model name (llama.cpp, LM Studio) can put any of those in the model we
 * report in `x-switchyard-model`: the throw came after the response counted as committed, so a JSON
 * answer went out as HTTP 200 with no content type and an SSE error body (issue 10).
 *
 * Printable ASCII passes unchanged, which is every real model and provider name, for the price of one
 * regex test. A value with anything else is percent-encoded byte by byte from its UTF-8 form, `%`
 * and space included, as `encodeURIComponent` would but without its URIError on a lone surrogate, so
 * `decodeURIComponent` gives such a value back. The body's `model` field still carries it verbatim.
 */
const printableAscii = /^[\x20-\x7e]*$/;

export function toHeaderValue(value: string): string {
  if (printableAscii.test(value)) return value;
  let out = '';
  // Buffer.from replaces a lone surrogate with U+FFFD instead of throwing.
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte > 0x20 && byte < 0x7f && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  }
  return out;
}
