/**
 * `Content-Disposition: attachment` for a user-chosen file name (RFC 6266). A header value may carry only
 * visible ASCII, so the name goes out twice: `filename=` with every other character replaced (for old
 * clients), and `filename*=UTF-8''…` percent-encoded (RFC 8187), which clients prefer when present. A name
 * such as `données.jsonl` written raw made Node refuse the header: a 500 for a file that was stored fine.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  if (fallback === filename) return `attachment; filename="${filename}"`;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(filename)}`;
}

/** RFC 8187's attr-char set: encodeURIComponent leaves four characters unescaped that it does not allow. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
