import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';

const loggerModule = new URL('../../src/observability/logger.ts', import.meta.url).pathname;

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('batches lines and still writes a lone line within the flush period', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'switchyard-log-')), 'out.log');
    const logger = createLogger({ destination: path });
    logger.info({ n: 1, text: 'naïve ✓' }, 'first');
    logger.info({ n: 2 }, 'second');
    const deadline = Date.now() + 3000;
    while ((await lines(path)).length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const written = await lines(path);
    expect(written.map((line) => line.msg)).toEqual(['first', 'second']);
    expect(written[0]).toMatchObject({ level: 'info', service: 'switchyard', text: 'naïve ✓' });
  });

  it('writes what is still queued when the process exits at once', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'switchyard-log-')), 'out.log');
    // An fd, as stdout is in production: a path is opened asynchronously, and a process that exits
    // before the open completes has nowhere to write.
    const script = `
      const { openSync } = await import('node:fs');
      const { createLogger } = await import(${JSON.stringify(loggerModule)});
      const logger = createLogger({ destination: openSync(${JSON.stringify(path)}, 'w') });
      for (let i = 0; i < 3; i++) logger.info({ i }, 'queued');
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect((await lines(path)).map((line) => line.i)).toEqual([0, 1, 2]);
  });
});
