/**
 * The one line a user sees when the gateway cannot take its port, instead of a stack trace: what went
 * wrong and the flag that fixes it. Errors other than these few listen failures are not ours to explain
 * here and get undefined, so the caller lets them surface with their stack.
 */
export function describeListenError(
  error: unknown,
  port: number | undefined,
  host: string,
): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${host}:${port ?? '(configured port)'}`;
  switch (code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${where}: the port is already in use. Pick a free one with --port N (or stop what is using it).`;
    case 'EACCES':
      return `Cannot listen on ${where}: permission denied (ports below 1024 need privileges). Pick another with --port N.`;
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${where}: no network interface has that address. Pick another with --host H.`;
    default:
      return undefined;
  }
}
