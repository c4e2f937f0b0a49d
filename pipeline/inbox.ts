import { readdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestFile } from './ingest.ts';
import type { Logger } from './log.ts';
import { getDocument } from './repository.ts';
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
 * upload would be, by the same submitFiles, and moved to done/ once stored and queued, with the
 * document id (GET /v1/documents/<id>). The workers decide it later; the result file is then
 * brought up to date with that first decision, so a clerk reading done/ sees what became of it.
 */
export async function startInbox(
  svc: Pick<Service, 'config' | 'db' | 'store' | 'queues'>,
  opts: InboxOptions,
): Promise<{ stop: () => Promise<void> }> {
  const dir = await realpath(opts.dir).catch(() => {
    throw new Error(`PAPERLINE_INBOX_DIR: ${opts.dir} is not a folder`);
  });
  // Result files still waiting for their document's decision, found again after a restart.
  const pending = new Map<string, string>();
  for (const name of await readdir(join(dir, 'done')).catch(() => [] as string[])) {
    if (!name.endsWith('.result.json')) continue;
    const r = await readResult(join(dir, 'done', name));
    if (r?.status === 'processing' && typeof r.documentId === 'string') {
      pending.set(join(dir, 'done', name), r.documentId);
    }
  }
  const watcher = createWatcher({
    dir,
    settleMs: opts.settleMs,
    handle: (file) => submitWatched(svc, file),
    afterScan: async () => {
      for (const [path, id] of pending) {
        const doc = await getDocument(svc.db, id);
        if (doc?.status === 'processing') continue;
        // A document gone from the database (or a result removed by hand) is no longer followed.
        const r = doc ? await readResult(path) : null;
        if (doc && r) {
          const decided = {
            ...r,
            status: doc.status,
            docType: doc.docType,
            department: doc.department,
            ...(doc.status === 'review' ? { reasons: doc.reasons } : {}),
            ...(doc.failure ? { failure: doc.failure } : {}),
            decidedAt: doc.updatedAt,
          };
          // Replaced whole, never half-written: a clerk may be reading it.
          await writeFile(`${path}.tmp`, `${JSON.stringify(decided, null, 2)}\n`);
          await rename(`${path}.tmp`, path);
        }
        pending.delete(path);
      }
    },
    onHandled: (h) => {
      const r = h.verdict.result as { documentId?: string; status?: string; failure?: { code: string } };
      if (h.verdict.folder === 'done' && r.status === 'processing' && r.documentId) {
        pending.set(join(dir, `${h.movedTo}.result.json`), r.documentId);
      }
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

async function readResult(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
