/**
 * `switchyard <command>`: the dispatcher of docs/design.md §1's commands. Each command is its own file and
 * returns an exit code; this file only picks one and exits with what it returns.
 */
import { runChaos } from './chaos.ts';
import { runCheck } from './check.ts';
import { runDemo } from './demo.ts';
import { runKeys } from './keys.ts';
import { runStart } from './start.ts';

const usage = `Usage: switchyard <command> [options]

Commands:
  start  [--config FILE] [--port N] [--host H] [--workers N]   run the gateway
  demo   [--port N] [--host H] [--fault-rate R]               run the gateway on built-in simulated providers
  check  --config FILE                                        validate a config file
  keys   create|list|revoke [options]                         manage virtual keys in the store
  chaos  --config FILE | --demo [--requests N] [--concurrency C]  a fault drill: providers degraded one by one

Run \`switchyard <command> --help\` for a command's options.

Without --config, start reads ./switchyard.yaml, or else builds a config from provider keys in the
environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, DEEPSEEK_API_KEY, DASHSCOPE_API_KEY,
MISTRAL_API_KEY).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  switch (command) {
    case 'start':
      return runStart(rest, io);
    case 'demo':
      return runDemo(rest, io);
    case 'check':
      return runCheck(rest, io);
    case 'keys':
      return runKeys(rest, io);
    case 'chaos':
      return runChaos(rest, io);
    case 'help':
      // `switchyard help start` is `switchyard start --help`.
      if (
        rest[0] === 'start' ||
        rest[0] === 'demo' ||
        rest[0] === 'check' ||
        rest[0] === 'keys' ||
        rest[0] === 'chaos'
      )
        return main([rest[0], '--help']);
      io.stdout.write(`${usage}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
      io.stdout.write(`${usage}\n`);
      return command === undefined ? 1 : 0;
    default:
      io.stderr.write(`Unknown command '${command}'.\n\n${usage}\n`);
      return 1;
  }
}

const code = await main(process.argv.slice(2));
// Long-running commands resolve only when they are done serving; setting the code lets pending
// log writes flush instead of being cut off by process.exit().
process.exitCode = code;
