import { realpath } from 'node:fs/promises';
import { ingestFile } from './ingest.ts';
import type { Logger } from './log.ts';
import type { Service } from './service.ts';
import { REFUSING_CODES, submitFiles } from './uploads.ts';
import { createWatcher, type FileVerdict, type WatchedFile } from './watch.ts';

export interface InboxOptions {
  dir: string;
  settleMs: number;
  log: Logger;
}

/**
 * The service's watched folder (PAPERLINE_INBOX_DIR): each file is submitted as a one-file
 * upload would be, by the same submitFiles, and moved to done/ once stored and queued. Its
 * outcome is decided later by the workers, so the result records what a clerk needs to follow
 * it: the document id (GET /v1/documents/<id>) and its status when taken in.
 */
export async function startInbox(
  svc: Pick<Service, 'config' | 'db' | 'store' | 'queues'>,
  opts: InboxOptions,
): Promise<{ stop: () => Promise<void> }> {
  const dir = await realpath(opts.dir).catch(() => {
    throw new Error(`PAPERLINE_INBOX_DIR: ${opts.dir} is not a folder`);
  });
  const watcher = createWatcher({
    dir,
    settleMs: opts.settleMs,
    handle: (file) => submitWatched(svc, file),
    onHandled: (h) => {
      const r = h.verdict.result as { documentId?: string; failure?: { code: string } };
      opts.log.info(
        {
          file: h.name,
          outcome: h.outcome,
          documentId: r.documentId,
          movedTo: h.movedTo,
          code: r.failure?.code,
        },
        'inbox file',
      );
    },
    onError: (name, err) => opts.log.error({ file: name, err }, 'inbox file not taken in; will try again'),
  });
  void watcher.run();
  opts.log.info({ dir, settleMs: opts.settleMs }, 'watching inbox');
  return { stop: () => watcher.stop() };
}

async function submitWatched(
  svc: Pick<Service, 'config' | 'db' | 'store' | 'queues'>,
  file: WatchedFile,
): Promise<FileVerdict> {
  const at = new Date().toISOString();
  // Read from the folder with its link rule; the bytes are then judged as an upload's are.
  const ingested = await ingestFile(file.path, svc.config.limits, { within: file.within });
  if (!ingested.ok) {
    // Over the size limit is found before reading: refused, as submitFiles refuses the others.
    const outcome = REFUSING_CODES.has(ingested.failure.code) ? 'refused' : 'failed';
    return { folder: 'failed', outcome, result: { outcome, failure: ingested.failure, at } };
  }
  const bytes = Buffer.from(
    ingested.file.bytes.buffer,
    ingested.file.bytes.byteOffset,
    ingested.file.bytes.length,
  );
  const submitted = await submitFiles(svc, [{ fileName: file.name, bytes }], 'inbox');
  if (!submitted.ok) {
    const { code, message } = submitted.refused[0]!;
    return {
      folder: 'failed',
      outcome: 'refused',
      result: { outcome: 'refused', failure: { code, message }, at },
    };
  }
  const e = submitted.entries[0]!;
  const common = { documentId: e.documentId, batchId: submitted.batchId, status: e.status, at };
  if (e.failure) {
    return {
      folder: 'failed',
      outcome: 'failed',
      result: { outcome: 'failed', ...common, failure: e.failure },
    };
  }
  const outcome = e.duplicateOf ? 'duplicate' : 'submitted';
  return {
    folder: 'done',
    outcome,
    result: {
      outcome,
      ...common,
      ...(e.duplicateOf ? { duplicateOf: e.duplicateOf } : {}),
      document: `/v1/documents/${e.documentId}`,
    },
  };
}
