/**
 * POST /v1/files: the multipart upload streamed to disk as it arrives (never whole in memory), size-
 * and line-capped while it streams. Lines are checked one by one when a batch reads the file
 * (intake.ts), where each bad line gets an error-file line naming it instead of failing the job.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { BatchConfig } from '../config/sections/batch.ts';
import { fileTooLarge, invalidUpload } from '../errors/codes.ts';
import type { BatchFileRecord } from '../store/batch-types.ts';
import { backgroundTurn } from '../server/background-turn.ts';
import { type FileStore, newFileId } from './file-store.ts';
import { boundaryOf, MultipartError, MultipartParser } from './multipart.ts';

const FIELD_LIMIT = 1024;
/** Multipart framing and small fields around the file. */
const ENVELOPE_BYTES = 64 * 1024;

export async function receiveUpload(
  req: IncomingMessage,
  files: FileStore,
  config: BatchConfig,
  tenant: string,
  nowMs: number,
): Promise<BatchFileRecord> {
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary === undefined)
    throw invalidUpload('Upload the file as multipart/form-data with a "file" part and purpose=batch.', null);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > config.max_file_bytes + ENVELOPE_BYTES)
    throw fileTooLarge(config.max_file_bytes);

  const id = newFileId();
  const file = await files.create(id);
  let part: 'file' | 'purpose' | 'other' | undefined;
  let sawFile = false;
  let sawPurpose = false;
  let filename = 'upload.jsonl';
  let purpose = '';
  let bytes = 0;
  let newlines = 0;
  let endsWithNewline = true;
  let problem: Error | undefined;

  const parser = new MultipartParser(boundary, {
    onPart(headers) {
      // A field given twice is refused, not merged or half ignored: which one the caller meant is a guess.
      if ((headers.name === 'file' && sawFile) || (headers.name === 'purpose' && sawPurpose))
        throw invalidUpload(`The upload has more than one '${headers.name}' part.`, headers.name);
      if (headers.name === 'file') {
        part = 'file';
        sawFile = true;
        filename = (headers.filename ?? filename).slice(0, 255);
      } else if (headers.name === 'purpose') {
        part = 'purpose';
        sawPurpose = true;
      } else if (headers.name.startsWith('expires_after'))
        // Accepting it without honouring it would keep files the caller expects gone.
        throw invalidUpload(
          "'expires_after' is not supported: files are kept until their batch is done with.",
          'expires_after',
        );
      else part = 'other';
    },
    onData(chunk) {
      if (part === 'purpose') {
        purpose += chunk.toString('utf8');
        if (purpose.length > FIELD_LIMIT) throw invalidUpload("'purpose' is too long.", 'purpose');
        return;
      }
      if (part !== 'file') return;
      bytes += chunk.length;
      if (bytes > config.max_file_bytes) throw fileTooLarge(config.max_file_bytes);
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
      endsWithNewline = chunk[chunk.length - 1] === 10;
      if (newlines > config.max_lines)
        throw invalidUpload(
          `Line ${config.max_lines + 1}: a batch input file may hold at most ${config.max_lines} lines.`,
        );
      file.stream.write(chunk);
    },
    onPartEnd() {
      part = undefined;
    },
  });

  try {
    // destroyOnReturn: false keeps the socket open when a cap stops the upload, so the 4xx can be sent.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      parser.write(chunk as Buffer);
      if (file.stream.writableNeedDrain) await once(file.stream, 'drain');
      // An upload is background work: live requests go first between two chunks (and the socket's
      // backpressure slows the client meanwhile).
      await backgroundTurn();
    }
    parser.end();
  } catch (error) {
    problem =
      error instanceof MultipartError
        ? invalidUpload(`Malformed multipart body: ${error.message}.`, null)
        : (error as Error);
  }
  const lines = newlines + (endsWithNewline || bytes === 0 ? 0 : 1);
  if (problem === undefined && !sawFile) problem = invalidUpload("The upload has no 'file' part.");
  if (problem === undefined && purpose.trim() !== 'batch')
    problem = invalidUpload(`'purpose' must be "batch" (got "${purpose.trim().slice(0, 40)}").`, 'purpose');
  if (problem === undefined && lines === 0)
    problem = invalidUpload('The file is empty: a batch input file needs at least one line.');
  if (problem === undefined && lines > config.max_lines)
    problem = invalidUpload(
      `Line ${config.max_lines + 1}: a batch input file may hold at most ${config.max_lines} lines.`,
    );
  if (problem !== undefined) {
    await file.discard();
    // Stop reading an upload we refused; the error answer closes the connection.
    req.resume();
    throw problem;
  }
  await file.commit();
  return { id, tenant, purpose: 'batch', filename, bytes, lines, createdAt: nowMs };
}
