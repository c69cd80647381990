/**
 * The bytes of batch files, one file each under `batch.files_dir` (the store keeps their records).
 * Writes go to `<id>.part` and are renamed into place when complete, so a crash never leaves a file
 * that looks whole; every read is a stream, so a 50,000-line file is never held in memory.
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';

const FILE_ID = /^file-[A-Za-z0-9_-]{1,64}$/;

export function newFileId(): string {
  return `file-${randomBytes(12).toString('hex')}`;
}

export function isFileId(id: string): boolean {
  return FILE_ID.test(id);
}

/**
 * What reading or sizing a file throws when its record is in the store but its bytes are not in this
 * directory: an instance that does not share `files_dir` with the one that wrote it (docs/batches.md
 * "Several instances"), or a file removed behind the store's back.
 */
export function isMissingBytes(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export class FileStore {
  readonly dir: string;
  #ready: Promise<void> | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  #ensureDir(): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    return this.#ready;
  }

  #path(id: string): string {
    if (!isFileId(id)) throw new Error(`not a file id: ${id}`);
    return join(this.dir, `${id}.jsonl`);
  }

  /** A stream to write a new file into; `commit` moves it into place, `discard` removes it. */
  async create(
    id: string,
  ): Promise<{ stream: WriteStream; commit(): Promise<void>; discard(): Promise<void> }> {
    await this.#ensureDir();
    const final = this.#path(id);
    // A name of its own per writer: two writers of one file (two finalizations of a job, in this process
    // or another sharing the directory) must not write into, or rename away, each other's partial file.
    const partial = `${final}.${randomBytes(6).toString('hex')}.part`;
    const stream = createWriteStream(partial);
    const closed = new Promise<void>((resolveClosed, reject) => {
      stream.once('close', resolveClosed);
      stream.once('error', reject);
    });
    // A write error (a full disk) surfaces in commit(); until then it must not be an unhandled rejection.
    closed.catch(() => undefined);
    return {
      stream,
      async commit() {
        stream.end();
        await closed;
        await rename(partial, final);
      },
      async discard() {
        stream.destroy();
        await closed.catch(() => undefined);
        await rm(partial, { force: true });
      },
    };
  }

  read(id: string): ReadStream {
    return createReadStream(this.#path(id));
  }

  /** The file's lines one at a time (a trailing empty line skipped), with 1-based numbers. */
  async *lines(id: string): AsyncGenerator<{ lineNo: number; text: string }> {
    const reader = createInterface({ input: this.read(id), crlfDelay: Number.POSITIVE_INFINITY });
    let lineNo = 0;
    try {
      for await (const text of reader) {
        lineNo++;
        yield { lineNo, text };
      }
    } finally {
      reader.close();
    }
  }

  async size(id: string): Promise<number> {
    return (await stat(this.#path(id))).size;
  }

  async remove(id: string): Promise<void> {
    await rm(this.#path(id), { force: true });
  }
}
