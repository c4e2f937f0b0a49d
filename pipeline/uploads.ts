import { createHash, randomBytes } from 'node:crypto';
import { storageKeys } from './adapters/storage.ts';
import { isPipelineError } from './errors.ts';
import { ingestBytes } from './ingest.ts';
import { countPages } from './read.ts';
import { createBatch, type NewUpload, type UploadEntry } from './repository.ts';
import type { Service } from './service.ts';

/** Limits a whole submission is refused for; any other problem with a file only fails that document. */
export const REFUSING_CODES: ReadonlySet<string> = new Set([
  'too-large',
  'too-many-pages',
  'too-many-pixels',
]);

export interface ReceivedFile {
  fileName: string;
  bytes: Buffer;
}

export interface RefusedFile {
  fileName: string;
  code: string;
  message: string;
}

export type Submission =
  | { ok: true; batchId: string; entries: UploadEntry[] }
  /** Nothing was stored: one or more files are over the limits. */
  | { ok: false; refused: RefusedFile[] };

/**
 * Takes files into the service as one batch, the way every intake (HTTP upload, watched inbox)
 * does: each file is judged against the limits, stored, recorded, and its processing queued.
 * A file over a limit refuses the whole submission and nothing is stored; a file that cannot be
 * read is kept as a failed document with its reason; bytes seen before point at their document.
 */
export async function submitFiles(
  svc: Pick<Service, 'config' | 'db' | 'store' | 'queues'>,
  files: ReceivedFile[],
  actor: string,
): Promise<Submission> {
  const limits = svc.config.limits;
  const uploads: NewUpload[] = [];
  const refused: RefusedFile[] = [];
  for (const r of files) {
    const ingested = ingestBytes(r.fileName, r.bytes, limits);
    // A refused file is kept too, so it needs its hash; an accepted one already has it.
    const sha256 = ingested.ok ? ingested.file.sha256 : createHash('sha256').update(r.bytes).digest('hex');
    const upload: NewUpload = {
      fileName: r.fileName,
      sha256,
      format: 'unknown',
      sizeBytes: r.bytes.length,
      storageKey: storageKeys.original(sha256),
      pageCount: null,
      failure: null,
    };
    if (!ingested.ok) {
      upload.failure = ingested.failure;
    } else {
      upload.format = ingested.file.format;
      try {
        upload.pageCount = await countPages(ingested.file, limits);
      } catch (e) {
        if (!isPipelineError(e)) throw e;
        upload.failure = { code: e.code, message: e.message };
      }
    }
    if (upload.failure && REFUSING_CODES.has(upload.failure.code)) {
      refused.push({ fileName: r.fileName, ...upload.failure });
    }
    uploads.push(upload);
  }
  if (refused.length) return { ok: false, refused };

  // Stored before the rows that point at them, so a document never lacks its original.
  for (const [i, u] of uploads.entries()) {
    await svc.store.put(u.storageKey, files[i]!.bytes, 'application/octet-stream');
  }
  const batchId = `bat_${randomBytes(8).toString('hex')}`;
  const entries = await createBatch(svc.db, { batchId, actor, uploads });
  for (const [i, e] of entries.entries()) {
    if (e.created && e.status === 'processing') {
      await svc.queues.enqueueDocument(
        { documentId: e.documentId, revision: e.revision },
        uploads[i]!.pageCount!,
      );
    }
  }
  return { ok: true, batchId, entries };
}
