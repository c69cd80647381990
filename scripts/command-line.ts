/**
 * The command line of the repository's own scripts (bench/, scripts/): node:util's parseArgs, plus
 * `--help` (or `-h`), which prints the script's header comment, where each one documents its usage, and
 * a one-line error with exit status 2 for a malformed command line instead of parseArgs' stack trace.
 */
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export function scriptArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${headerComment(process.argv[1] ?? '')}\n`);
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nRun with --help for the usage.\n`);
    process.exit(2);
  }
}

/** The first `/** … *\/` block of a source file, without its comment markers. */
export function headerComment(path: string): string {
  const source = readFileSync(path, 'utf8');
  const match = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (match === null) return `usage: node ${path}`;
  return (match[1] ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}
