import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createPglite, type Database } from '../pipeline/adapters/db.ts';
import { loadThresholds } from '../pipeline/config.ts';
import type { VendorMemoryHook } from '../pipeline/deps.ts';
import { scoreValue } from '../pipeline/evaluation.ts';
import type { IngestedFile } from '../pipeline/ingest.ts';
import { migrate } from '../pipeline/migrate.ts';
import type { DocumentOutcome } from '../pipeline/process-document.ts';
import { recordDocument, reviewDocument } from '../pipeline/replay.ts';
import { documentIdOf, getDocument } from '../pipeline/repository.ts';
import { applyVendorMemory } from '../pipeline/vendor-memory.ts';
import type { ReadResult } from '../schemas/read.ts';
import { ReviewItemSchema } from '../schemas/record.ts';
import { formatTable } from './table.ts';

/**
 * A clerk's vendor memory outside the service: a PGlite database in a folder. `paperline
 * process --memory DIR` decides with it and records every document in it; `paperline learn`
 * takes the review files the clerk corrected and approves them through the review code, so
 * the memory learns exactly as the service's does.
 */
export interface LocalMemory {
  db: Database;
  hook: VendorMemoryHook;
  /** Records a decided document, so a later `paperline learn` can approve its corrections. */
  record(file: IngestedFile, read: ReadResult, outcome: DocumentOutcome): Promise<void>;
  close(): Promise<void>;
}

export async function openLocalMemory(dir: string): Promise<LocalMemory> {
  const db = await createPglite(resolve(dir));
  await migrate(db);
  // PGlite serves one statement at a time; documents finish concurrently, so records queue.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    db,
    hook: (docType, read, fields) => applyVendorMemory(db, docType, read, fields),
    record(file, read, outcome) {
      const next = queue.then(() =>
        recordDocument(db, { file, read, outcome, batchId: `cli-${Date.now()}`, actor: 'paperline process' }),
      );
      queue = next.catch(() => {});
      return next.then(() => {});
    },
    async close() {
      await queue;
      await db.close();
    },
  };
}

export interface LearnOptions {
  memory: string;
  thresholds?: string;
}

/** The fields a clerk changed in a review file, against what the memory recorded for it. */
export function changedFields(
  stored: Record<string, { value: unknown }>,
  edited: Record<string, { value: unknown } | null>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(edited)) {
    if (Array.isArray(field?.value)) continue;
    const was = stored[name]?.value;
    const now = field?.value ?? null;
    if (was === undefined && now === null) continue;
    if (now === null || was === undefined || !scoreValue(now, was).correct) out[name] = now;
  }
  return out;
}

export async function learnCommand(files: string[], opts: LearnOptions): Promise<void> {
  if (!existsSync(resolve(opts.memory))) {
    throw new Error(
      `No vendor memory in ${opts.memory}: run \`paperline process ... --memory ${opts.memory}\` first`,
    );
  }
  const thresholds = await loadThresholds(opts.thresholds);
  const memory = await openLocalMemory(opts.memory);
  const rows: (string | number)[][] = [];
  let failures = 0;
  try {
    for (const path of files) {
      const parsed = ReviewItemSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (!parsed.success) {
        rows.push([basename(path), 'not a review file', '']);
        failures += 1;
        continue;
      }
      const item = parsed.data;
      const doc = await getDocument(memory.db, documentIdOf(item.sha256));
      if (!doc) {
        rows.push([basename(path), `not in ${opts.memory} (processed without --memory?)`, '']);
        failures += 1;
        continue;
      }
      const corrections = changedFields(doc.fields, item.fields);
      const reviewed = await reviewDocument(memory.db, {
        documentId: doc.id,
        corrections,
        thresholds,
        actor: { keyId: 'cli', name: 'paperline learn' },
      });
      if (reviewed.ok) {
        rows.push([
          basename(path),
          `approved, ${Object.keys(corrections).length} corrected`,
          reviewed.learned,
        ]);
      } else {
        failures += 1;
        const why =
          reviewed.detail && typeof reviewed.detail === 'object' && 'errors' in reviewed.detail
            ? Object.values((reviewed.detail as { errors: Record<string, string> }).errors).join('; ')
            : reviewed.reason;
        rows.push([basename(path), `not approved (${reviewed.stage}): ${why}`, 0]);
      }
    }
  } finally {
    await memory.close();
  }
  process.stdout.write(`${formatTable(['review file', 'result', 'memory entries learned'], rows)}\n`);
  if (failures === files.length && files.length > 0) process.exitCode = 1;
}
