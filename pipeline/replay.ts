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
 * Stores a decided document as the service would (its batch, pages and outcome; a review
 * task when it went to review). Returns its document id, or null when it was failed or had
 * been stored before.
 */
export async function recordDocument(
  db: Database,
  opts: { file: IngestedFile; read: ReadResult; outcome: DocumentOutcome; batchId: string; actor: string },
): Promise<string | null> {
  const { file, outcome } = opts;
  const [entry] = await createBatch(db, {
    batchId: opts.batchId,
    actor: opts.actor,
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
  return entry.documentId;
}

export type ReviewResult =
  | { ok: true; learned: number }
  | { ok: false; stage: 'find' | 'claim' | 'correct' | 'approve'; reason: string; detail?: unknown };

/**
 * What a reviewer does to a document in review: claim its task, correct the fields given
 * (null clears one), approve. The same calls the review API makes, so vendor memory learns
 * from the approval exactly as in the service. `unlabelled` names fields the reviewer would
 * clear when a cross-field rule refuses the corrections because of them.
 */
export async function reviewDocument(
  db: Database,
  opts: {
    documentId: string;
    corrections: Record<string, unknown>;
    thresholds: Thresholds;
    actor: { keyId: string; name: string };
    clearable?: string[];
  },
): Promise<ReviewResult> {
  const [task] = await db.query<{ id: string }>(
    `SELECT id FROM review_tasks WHERE document_id = $1 AND status IN ('open', 'claimed')`,
    [opts.documentId],
  );
  if (!task) return { ok: false, stage: 'find', reason: 'no open review task' };
  const claimed = await claimTask(db, { taskId: task.id, actor: opts.actor, leaseMinutes: 30 });
  if (!claimed.ok)
    return { ok: false, stage: 'claim', reason: claimed.refusal.reason, detail: claimed.refusal };
  if (Object.keys(opts.corrections).length > 0) {
    const correct = (patch: Record<string, unknown>) =>
      correctFields(db, { taskId: task.id, actor: opts.actor, fields: patch, thresholds: opts.thresholds });
    let corrected = await correct(opts.corrections);
    // A rule the corrections now break against a field nobody corrected ("subtotal 0.00 +
    // tax 0.00 ≠ total 15.00"): a reviewer clears that figure and tries again.
    if (!corrected.ok && corrected.refusal.reason === 'invalid' && opts.clearable?.length) {
      const said = Object.values(corrected.refusal.errors).join(' ');
      const named = opts.clearable.filter((name) => new RegExp(`\\b${name}\\b`).test(said));
      const clear = (names: string[]) => Object.fromEntries(names.map((n) => [n, null]));
      corrected = await correct({ ...opts.corrections, ...clear(named) });
      // A rule may speak of a field in words ("the 2 line items add up to -218.48"): then
      // every uncorrected figure the rules could weigh against the corrections is cleared.
      if (!corrected.ok && corrected.refusal.reason === 'invalid') {
        corrected = await correct({ ...opts.corrections, ...clear(opts.clearable) });
      }
    }
    if (!corrected.ok) {
      return { ok: false, stage: 'correct', reason: corrected.refusal.reason, detail: corrected.refusal };
    }
  }
  const approved = await approveTask(db, { taskId: task.id, actor: opts.actor });
  if (!approved.ok)
    return { ok: false, stage: 'approve', reason: approved.refusal.reason, detail: approved.refusal };
  return { ok: true, learned: approved.learned };
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
  const documentId = await recordDocument(db, {
    file,
    read: opts.read,
    outcome,
    batchId: `replay-${opts.position}-${file.sha256.slice(0, 8)}`,
    actor: REPLAY_ACTOR.name,
  });
  if (!documentId || outcome.kind !== 'review' || outcome.item.docType !== (truth.docType as DocType))
    return null;
  const corrections = correctionsToTruth(truth, outcome.item.fields);
  const reviewed = await reviewDocument(db, {
    documentId,
    corrections,
    thresholds: opts.thresholds,
    actor: REPLAY_ACTOR,
    clearable: Object.keys(outcome.item.fields).filter((name) => !(name in truth.fields)),
  });
  if (reviewed.ok) return { learned: reviewed.learned };
  // A required field the truth does not label (a receipt's currency) may still be missing;
  // a reviewer would type it, the replay cannot, so the document stays corrected but unposted.
  if (reviewed.stage === 'approve') return { learned: 0 };
  throw new Error(
    `replay could not review ${file.fileName}: ${reviewed.reason} ${JSON.stringify(reviewed.detail ?? '')} (${JSON.stringify(corrections)})`,
  );
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
