/**
 * How long a provider asked us to wait (docs/providers.md §8). `retry-after-ms` wins over `retry-after`;
 * `retry-after` is whole seconds or an HTTP date. A date is measured against the response's own `date`
 * header, so the adapter needs no clock and a skewed local clock cannot stretch the wait.
 */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function parseRetryAfterMs(headers: HeaderBag, nowMs?: number): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const raw = headerValue(headers, 'retry-after');
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  const dateHeader = headerValue(headers, 'date');
  const reference = dateHeader !== undefined ? Date.parse(dateHeader) : (nowMs ?? Number.NaN);
  if (Number.isNaN(reference)) return undefined;
  return Math.max(0, at - reference);
}

/** Go-style durations in reset headers (`6m0s`, `51.189s`, `12ms`; docs/providers.md §1.10) in ms. */
export function parseDurationMs(text: string): number | undefined {
  const pattern = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const match of text.matchAll(pattern)) {
    const value = Number(match[1]);
    const unit = match[2];
    total +=
      unit === 'h' ? value * 3_600_000 : unit === 'm' ? value * 60_000 : unit === 's' ? value * 1000 : value;
    matched += match[0];
  }
  return matched.length > 0 && matched === text.trim() ? Math.round(total) : undefined;
}
