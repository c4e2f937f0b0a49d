import type { DocType } from '../schemas/common.ts';
import type { MetadataLine } from '../schemas/eval.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { Thresholds } from '../schemas/thresholds.ts';
import type { Database } from './adapters/db.ts';
import type { DocumentScore } from './evaluation.ts';
import { scoreDocument, scoreValue } from './evaluation.ts';
import type { IngestedFile } from './ingest.ts';
import { type DocumentOutcome, decideDocument, type PipelineDeps } from './process-document.ts';
import { createBatch, recordOutcome, savePage } from './repository.ts';
import { approveTask, claimTask, correctFields } from './review.ts';

/**
 * A folder lived as a team lives it: documents arrive one at a time, in order; each one the
 * pipeline sends to review is corrected to its truth and approved through the same calls the
 * review API makes (claim, correct, approve), so vendor memory learns exactly as it does in
 * the service, and later documents of the same vendor are read with what it learned.
 */

export const REPLAY_ACTOR = { keyId: 'replay', name: 'eval --learn' };

/** The corrections a reviewer makes to bring the read fields to the truth. */
export function correctionsToTruth(
  truth: MetadataLine,
  fields: Record<string, { value: unknown }>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(truth.fields)) {
    if (Array.isArray(t)) continue;
    if (!scoreValue(t, fields[name]?.value).correct) out[name] = t;
  }
  return out;
}

/**
 * Stores a decided document as the service would, and when it went to review, has a reviewer
 * correct it to the truth and approve it. Returns how many memory entries the approval added
 * (null when nothing was reviewed: posted, failed, or classed as another type than the truth,
 * which a reviewer would send back rather than correct).
 */
export async function liveDocument(
  db: Database,
  opts: {
    file: IngestedFile;
    read: ReadResult;
    outcome: DocumentOutcome;
    truth: MetadataLine;
    thresholds: Thresholds;
    position: number;
  },
): Promise<{ learned: number } | null> {
  const { file, outcome, truth } = opts;
  const [entry] = await createBatch(db, {
    batchId: `replay-${opts.position}-${file.sha256.slice(0, 8)}`,
    actor: REPLAY_ACTOR.name,
    uploads: [
      {
        fileName: file.fileName,
        sha256: file.sha256,
        format: file.format,
        sizeBytes: file.sizeBytes,
        storageKey: file.path,
        pageCount: opts.read.pages.length,
        failure:
          outcome.kind === 'failed' ? { code: outcome.entry.code, message: outcome.entry.message } : null,
      },
    ],
  });
  if (!entry?.created || outcome.kind === 'failed') return null;
  for (const page of opts.read.pages) {
    await savePage(db, entry.documentId, {
      number: page.number,
      revision: entry.revision,
      read: page,
      imageKey: '',
    });
  }
  await recordOutcome(db, {
    documentId: entry.documentId,
    revision: entry.revision,
    outcome,
    reviewSlaHours: () => 24,
  });
  if (outcome.kind !== 'review' || outcome.item.docType !== (truth.docType as DocType)) return null;
  const [task] = await db.query<{ id: string }>(
    `SELECT id FROM review_tasks WHERE document_id = $1 AND status = 'open'`,
    [entry.documentId],
  );
  if (!task) return null;
  const claimed = await claimTask(db, { taskId: task.id, actor: REPLAY_ACTOR, leaseMinutes: 30 });
  if (!claimed.ok) throw new Error(`replay could not claim ${file.fileName}: ${claimed.refusal.reason}`);
  const fields = correctionsToTruth(truth, outcome.item.fields);
  if (Object.keys(fields).length > 0) {
    const correct = (patch: Record<string, unknown>) =>
      correctFields(db, { taskId: task.id, actor: REPLAY_ACTOR, fields: patch, thresholds: opts.thresholds });
    let corrected = await correct(fields);
    // A rule the truth now breaks against a field the truth does not label ("subtotal 0.00 +
    // tax 0.00 ≠ total 15.00"): a reviewer clears the unlabelled figure, and so does the replay.
    if (!corrected.ok && corrected.refusal.reason === 'invalid') {
      const said = Object.values(corrected.refusal.errors).join(' ');
      const unlabelled = Object.keys(outcome.item.fields).filter(
        (name) => !(name in truth.fields) && new RegExp(`\\b${name}\\b`).test(said),
      );
      corrected = await correct({ ...fields, ...Object.fromEntries(unlabelled.map((n) => [n, null])) });
    }
    if (!corrected.ok) {
      throw new Error(
        `replay could not correct ${file.fileName}: ${JSON.stringify(corrected.refusal)} (${JSON.stringify(fields)})`,
      );
    }
  }
  const approved = await approveTask(db, { taskId: task.id, actor: REPLAY_ACTOR });
  // A required field the truth does not label (a receipt's currency) may still be missing;
  // a reviewer would type it, the replay cannot, so the document stays corrected but unposted.
  if (!approved.ok) return { learned: 0 };
  return { learned: approved.learned };
}

export interface LearningWindow {
  from: number;
  to: number;
  stp: number;
  postedFieldError: number | null;
  postedFields: number;
}

/** STP and posted-field error over consecutive windows of the stream. */
export function learningCurve(scores: DocumentScore[], size = 25): LearningWindow[] {
  const out: LearningWindow[] = [];
  for (let from = 0; from < scores.length; from += size) {
    const slice = scores.slice(from, from + size);
    const posted = slice.filter((s) => s.outcome === 'posted');
    const judged = posted.flatMap((s) => s.fields.filter((f) => f.posted && f.predicted !== undefined));
    out.push({
      from: from + 1,
      to: from + slice.length,
      stp: posted.length / slice.length,
      postedFieldError: judged.length ? judged.filter((f) => !f.correct).length / judged.length : null,
      postedFields: judged.length,
    });
  }
  return out;
}

export interface StreamDocument {
  truth: MetadataLine;
  file: IngestedFile;
  /** The document's pages as read (OCR is independent of memory, so it may be read ahead). */
  read: ReadResult | { failed: { code: string; message: string } };
}

/**
 * Decides the documents one after another in the order given, each with the vendor memory
 * as the reviews before it left it, and scores each as it comes. `decide` must consult the
 * same `db`'s vendor memory (createDecideDeps' vendorMemory hook).
 */
export async function replayStream(
  db: Database,
  docs: AsyncIterable<StreamDocument> | Iterable<StreamDocument>,
  deps: Omit<PipelineDeps, 'read'>,
  onDocument: (d: { position: number; score: DocumentScore; learned: number | null }) => void = () => {},
): Promise<{ scores: DocumentScore[]; learned: number }> {
  const scores: DocumentScore[] = [];
  let learned = 0;
  let position = 0;
  for await (const d of docs) {
    position += 1;
    const outcome: DocumentOutcome =
      'failed' in d.read
        ? { kind: 'failed', entry: { sourceFile: d.file.fileName, sha256: d.file.sha256, ...d.read.failed } }
        : await decideDocument(d.file, d.read, deps);
    const read = 'failed' in d.read ? { pages: [] } : d.read;
    const lived = await liveDocument(db, {
      file: d.file,
      read,
      outcome,
      truth: d.truth,
      thresholds: deps.thresholds,
      position,
    });
    learned += lived?.learned ?? 0;
    const score = scoreDocument(d.truth, outcome, { seconds: 0, cer: null });
    scores.push(score);
    onDocument({ position, score, learned: lived?.learned ?? null });
  }
  return { scores, learned };
}
