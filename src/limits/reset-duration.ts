/**
 * OpenAI's `x-ratelimit-reset-*` values are durations written like Go's: `20ms`, `1s`, `6m0s`,
 * `1.5s`. SDKs and client libraries parse that shape, so we write the same.
 */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const totalSeconds = whole / 1000;
  if (totalSeconds < 60) return `${trim(totalSeconds)}s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds - minutes * 60;
  if (minutes < 60) return `${minutes}m${trim(seconds)}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${minutes - hours * 60}m${trim(seconds)}s`;
}

function trim(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}
