import { createHash, randomUUID } from 'node:crypto';
import type { ApiRecord, DocumentStatus } from '../schemas/api.ts';
import {
  type ClassifiedType,
  DEPARTMENTS,
  type Department,
  type ExtractedFields,
} from '../schemas/common.ts';
import type { PageRead } from '../schemas/read.ts';
import type { PostedRecord, ReviewReason, SplitInfo } from '../schemas/record.ts';
import type { Database, Sql } from './adapters/db.ts';
import type { SendWebhook } from './adapters/webhook.ts';
import type { DecidedOutcome } from './process-document.ts';

/** All SQL over service state: batches, documents, pages, audit events, review tasks, outbox. */

export interface DocumentRow {
  id: string;
  sha256: string;
  fileName: string;
  format: string;
  sizeBytes: number;
  storageKey: string;
  status: DocumentStatus;
  revision: number;
  pageCount: number | null;
  docType: ClassifiedType | null;
  department: Department | null;
  classConfidence: number | null;
  fields: ExtractedFields;
  reasons: ReviewReason[];
  failure: { code: string; message: string } | null;
  /** Set on a part of a multi-document file: the file's document. */
  parentId: string | null;
  /** A part's SplitInfo; on a split file, its page groups and who set them. */
  split: SplitInfo | SplitGroups | null;
  createdAt: string;
  updatedAt: string;
}

export interface SplitGroups {
  groups: number[][];
  by: SplitInfo['by'];
}

const DOCUMENT_COLUMNS = `id, sha256, file_name, format, size_bytes, storage_key, status, revision, page_count,
  doc_type, department, class_confidence, fields, reasons, failure, parent_id, split, created_at, updated_at`;

function toDocument(r: Record<string, unknown>): DocumentRow {
  return {
    id: r.id as string,
    sha256: r.sha256 as string,
    fileName: r.file_name as string,
    format: r.format as string,
    sizeBytes: r.size_bytes as number,
    storageKey: r.storage_key as string,
    status: r.status as DocumentStatus,
    revision: r.revision as number,
    pageCount: (r.page_count as number | null) ?? null,
    docType: (r.doc_type as ClassifiedType | null) ?? null,
    department: (r.department as Department | null) ?? null,
    classConfidence: (r.class_confidence as number | null) ?? null,
    fields: (r.fields as ExtractedFields | null) ?? {},
    reasons: (r.reasons as ReviewReason[] | null) ?? [],
    failure: (r.failure as DocumentRow['failure']) ?? null,
    parentId: (r.parent_id as string | null) ?? null,
    split: (r.split as DocumentRow['split']) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

/** jsonb parameters go in as text: pg would turn a JS array into a Postgres array otherwise. */
const json = (v: unknown) => JSON.stringify(v);

export async function addEvent(
  db: Sql,
  e: { documentId: string; actor: string; type: string; data?: unknown },
): Promise<void> {
  await db.query('INSERT INTO events (document_id, actor, type, data) VALUES ($1, $2, $3, $4)', [
    e.documentId,
    e.actor,
    e.type,
    json(e.data ?? {}),
  ]);
}

export interface NewUpload {
  fileName: string;
  sha256: string;
  format: string;
  sizeBytes: number;
  storageKey: string;
  pageCount: number | null;
  /** Set when the file cannot be processed; the document is stored as failed with it. */
  failure: { code: string; message: string } | null;
}

export interface UploadEntry {
  documentId: string;
  fileName: string;
  duplicateOf?: string;
  status: DocumentStatus;
  failure?: { code: string; message: string };
  /** True when this upload created the document, so its processing must be started. */
  created: boolean;
  revision: number;
}

export function documentIdOf(sha256: string): string {
  return sha256.slice(0, 16);
}

/**
 * Records a batch and its files in one transaction. Bytes already known (in an earlier batch or
 * earlier in this one) become entries pointing at the existing document, which is not touched.
 */
export async function createBatch(
  db: Database,
  opts: { batchId: string; actor: string; uploads: NewUpload[] },
): Promise<UploadEntry[]> {
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO batches (id, created_by) VALUES ($1, $2)', [opts.batchId, opts.actor]);
    const entries: UploadEntry[] = [];
    for (const [position, u] of opts.uploads.entries()) {
      const id = documentIdOf(u.sha256);
      const inserted = await tx.query(
        `INSERT INTO documents (id, sha256, file_name, format, size_bytes, storage_key, status, page_count, failure)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (sha256) WHERE parent_id IS NULL DO NOTHING RETURNING id`,
        [
          id,
          u.sha256,
          u.fileName,
          u.format,
          u.sizeBytes,
          u.storageKey,
          u.failure ? 'failed' : 'processing',
          u.pageCount,
          u.failure ? json(u.failure) : null,
        ],
      );
      const created = inserted.length > 0;
      const [doc] = await tx.query<{
        status: DocumentStatus;
        revision: number;
        failure: UploadEntry['failure'];
      }>('SELECT status, revision, failure FROM documents WHERE id = $1', [id]);
      await tx.query(
        'INSERT INTO batch_documents (batch_id, position, document_id, file_name, duplicate_of) VALUES ($1, $2, $3, $4, $5)',
        [opts.batchId, position, id, u.fileName, created ? null : id],
      );
      if (created) {
        await addEvent(tx, {
          documentId: id,
          actor: opts.actor,
          type: 'uploaded',
          data: { batchId: opts.batchId, fileName: u.fileName, sizeBytes: u.sizeBytes },
        });
        if (u.failure) {
          await addEvent(tx, { documentId: id, actor: 'system', type: 'failed', data: u.failure });
        }
      }
      entries.push({
        documentId: id,
        fileName: u.fileName,
        ...(created ? {} : { duplicateOf: id }),
        status: doc!.status,
        ...(doc!.failure ? { failure: doc!.failure } : {}),
        created,
        revision: doc!.revision,
      });
    }
    return entries;
  });
}

export async function batchStatus(db: Sql, batchId: string) {
  const [batch] = await db.query<{ created_at: Date }>('SELECT created_at FROM batches WHERE id = $1', [
    batchId,
  ]);
  if (!batch) return null;
  const rows = await db.query<{ status: DocumentStatus; n: number }>(
    // A split file counts as the documents it holds.
    `SELECT d.status, count(*)::int AS n
       FROM (SELECT DISTINCT document_id FROM batch_documents WHERE batch_id = $1) b
       JOIN documents d ON d.id = b.document_id OR d.parent_id = b.document_id
      WHERE d.status NOT IN ('split', 'superseded')
      GROUP BY d.status`,
    [batchId],
  );
  const counts = { total: 0, processing: 0, posted: 0, review: 0, failed: 0 };
  for (const r of rows) {
    counts[r.status as keyof typeof counts] += r.n;
    counts.total += r.n;
  }
  return {
    batchId,
    status: counts.processing > 0 ? ('processing' as const) : ('done' as const),
    counts,
    createdAt: batch.created_at.toISOString(),
  };
}

export async function getDocument(db: Sql, id: string): Promise<DocumentRow | null> {
  const [row] = await db.query(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE id = $1`, [id]);
  return row ? toDocument(row) : null;
}

export interface StoredPage {
  number: number;
  revision: number;
  read: PageRead;
  imageKey: string;
}

export async function savePage(db: Sql, documentId: string, p: StoredPage): Promise<void> {
  await db.query(
    `INSERT INTO pages (document_id, number, revision, read, image_key) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (document_id, number) DO UPDATE
       SET revision = excluded.revision, read = excluded.read, image_key = excluded.image_key`,
    [documentId, p.number, p.revision, json(p.read), p.imageKey],
  );
}

export async function getPages(db: Sql, documentId: string): Promise<StoredPage[]> {
  const rows = await db.query<{ number: number; revision: number; read: PageRead; image_key: string }>(
    'SELECT number, revision, read, image_key FROM pages WHERE document_id = $1 ORDER BY number',
    [documentId],
  );
  return rows.map((r) => ({ number: r.number, revision: r.revision, read: r.read, imageKey: r.image_key }));
}

export async function getEvents(db: Sql, documentId: string) {
  const rows = await db.query<{ id: string; at: Date; actor: string; type: string; data: unknown }>(
    'SELECT id::text AS id, at, actor, type, data FROM events WHERE document_id = $1 ORDER BY events.id',
    [documentId],
  );
  return rows.map((r) => ({ id: r.id, at: r.at.toISOString(), actor: r.actor, type: r.type, data: r.data }));
}

/** Only a document still being processed at this revision may be decided; false otherwise. */
async function claimDecision(tx: Sql, documentId: string, revision: number, set: string, params: unknown[]) {
  const rows = await tx.query(
    `UPDATE documents SET ${set}, updated_at = now()
      WHERE id = $1 AND revision = $2 AND status = 'processing' RETURNING id`,
    [documentId, revision, ...params],
  );
  return rows.length > 0;
}

export async function markFailed(
  db: Database,
  opts: { documentId: string; revision: number; code: string; message: string },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const failure = { code: opts.code, message: opts.message };
    const ok = await claimDecision(tx, opts.documentId, opts.revision, `status = 'failed', failure = $3`, [
      json(failure),
    ]);
    if (ok)
      await addEvent(tx, { documentId: opts.documentId, actor: 'system', type: 'failed', data: failure });
    return ok;
  });
}

/** Review priority: 1 is most urgent. A document nobody could classify waits on a person most. */
function reviewPriority(reasons: ReviewReason[]): number {
  if (reasons.some((r) => r.code === 'unknown-type' || r.code === 'low-class-confidence')) return 1;
  if (reasons.some((r) => r.code === 'rule-failed' || r.code === 'invalid-field')) return 2;
  return 3;
}

export interface OutcomeOptions {
  documentId: string;
  revision: number;
  outcome: DecidedOutcome;
  /** Hours a review task may wait, per department; `default` for unknown documents. */
  reviewSlaHours: (department: Department | null) => number;
}

/**
 * Stores a decided document. Posting writes the record to the outbox in the same transaction
 * as the status, so the record exists exactly when the document says posted. Returns false
 * when the document was already decided (a retried or duplicated job), changing nothing.
 */
export function recordOutcome(db: Database, opts: OutcomeOptions): Promise<boolean> {
  return db.transaction((tx) => recordOutcomeIn(tx, opts));
}

async function recordOutcomeIn(tx: Sql, opts: OutcomeOptions): Promise<boolean> {
  const { outcome, documentId, revision } = opts;
  {
    if (outcome.kind === 'posted') {
      const r = outcome.record;
      const ok = await claimDecision(
        tx,
        documentId,
        revision,
        `status = 'posted', doc_type = $3, department = $4, class_confidence = $5, fields = $6, reasons = '[]'`,
        [r.docType, r.department, r.classConfidence, json(r.fields)],
      );
      if (!ok) return false;
      await postRecord(tx, { documentId, revision, record: r });
      await addEvent(tx, {
        documentId,
        actor: 'system',
        type: 'posted',
        data: { docType: r.docType, department: r.department },
      });
      return true;
    }
    const item = outcome.item;
    const ok = await claimDecision(
      tx,
      documentId,
      revision,
      `status = 'review', doc_type = $3, department = $4, class_confidence = $5, fields = $6, reasons = $7`,
      [item.docType, item.department, item.classConfidence, json(item.fields), json(item.reasons)],
    );
    if (!ok) return false;
    const due = new Date(Date.now() + opts.reviewSlaHours(item.department) * 3_600_000);
    await tx.query(
      `INSERT INTO review_tasks (id, document_id, revision, department, doc_type, reasons, priority, due_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open') ON CONFLICT (document_id, revision) DO NOTHING`,
      [
        `task_${randomUUID()}`,
        documentId,
        revision,
        item.department,
        item.docType,
        json(item.reasons),
        reviewPriority(item.reasons),
        due,
      ],
    );
    await addEvent(tx, { documentId, actor: 'system', type: 'review', data: { reasons: item.reasons } });
    return true;
  }
}

/** Every posting takes this lock so outbox sequence numbers commit in order (see postRecord). */
const POSTING_LOCK = 72_010_002;

export function idempotencyKeyOf(documentId: string, revision: number): string {
  return `${documentId}-r${revision}`;
}

/**
 * Writes a record to the outbox; a second posting of the same document revision is a no-op.
 * The lock makes the records cursor safe: without it a consumer could read seq 8 before a
 * slower transaction commits seq 7, and never see 7.
 */
export async function postRecord(
  tx: Sql,
  opts: { documentId: string; revision: number; record: PostedRecord },
): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [POSTING_LOCK]);
  const key = idempotencyKeyOf(opts.documentId, opts.revision);
  const recordId = `rec_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
  await tx.query(
    `INSERT INTO outbox (record_id, idempotency_key, document_id, department, doc_type, record)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
    [recordId, key, opts.documentId, opts.record.department, opts.record.docType, json(opts.record)],
  );
}

type OutboxRow = {
  seq: string;
  record_id: string;
  idempotency_key: string;
  document_id: string;
  department: Department;
  doc_type: string;
  record: PostedRecord;
  posted_at: Date;
};

function toApiRecord(r: OutboxRow): ApiRecord {
  return {
    recordId: r.record_id,
    idempotencyKey: r.idempotency_key,
    documentId: r.document_id,
    department: r.department,
    docType: r.record.docType,
    fields: r.record.fields,
    sourceFile: r.record.sourceFile,
    sha256: r.record.sha256,
    postedAt: r.posted_at.toISOString(),
    schemaVersion: r.record.schemaVersion,
  };
}

/** seq comes out as text (bigint overflows JS numbers), so ORDER BY must name outbox.seq, not the alias. */
const OUTBOX_COLUMNS =
  'seq::text AS seq, record_id, idempotency_key, document_id, department, doc_type, record, posted_at';

/** A page of posted records of one department, in posting order, after a cursor. */
export async function listRecords(
  db: Sql,
  opts: { department?: Department | undefined; after?: string | undefined; limit: number },
): Promise<{ records: ApiRecord[]; next: string | null }> {
  // One cursor (the outbox sequence) serves both: without a department, every department's
  // records in posting order.
  const rows = await db.query<OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE ($1::text IS NULL OR department = $1) AND seq > $2 ORDER BY outbox.seq LIMIT $3`,
    [opts.department ?? null, opts.after ?? '0', opts.limit],
  );
  const last = rows.at(-1)?.seq ?? opts.after ?? null;
  return { records: rows.map(toApiRecord), next: last };
}

/**
 * Hands unsent outbox rows to `publish` and marks them sent, in one transaction per chunk.
 * Rows are locked (SKIP LOCKED) so relays in several processes share the work. If the process
 * dies after publishing and before committing, the rows are published again: `publish` must
 * be idempotent on the idempotency key, which BullMQ's job id is.
 */
export async function relayOutbox(
  db: Database,
  publish: (records: ApiRecord[]) => Promise<void>,
  chunk = 100,
): Promise<number> {
  let total = 0;
  for (;;) {
    const sent = await db.transaction(async (tx) => {
      const rows = await tx.query<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY outbox.seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [chunk],
      );
      if (!rows.length) return 0;
      await publish(rows.map(toApiRecord));
      await tx.query('UPDATE outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])', [
        rows.map((r) => r.seq),
      ]);
      return rows.length;
    });
    total += sent;
    if (sent < chunk) return total;
  }
}

export interface WebhookAttempt {
  recordId: string;
  idempotencyKey: string;
  documentId: string;
  department: Department;
  /** Attempts made for this record so far, this one included. */
  attempts: number;
  ok: boolean;
  error?: string;
  /** When a failed record is tried next. */
  retryAt?: string;
}

export interface WebhookPassOptions {
  /** Endpoint per department; departments without one are left alone. */
  urls: Readonly<Partial<Record<Department, string>>>;
  send: SendWebhook;
  /** Wait after a record's `attempts`-th failure before it is tried again. */
  backoffMs: (attempts: number) => number;
  /** A claimed record no process finished within this long is tried again (a crash mid-request). */
  leaseMs: number;
  /** Most records one pass sends per department, so one busy department does not starve the rest. */
  limit?: number;
  onAttempt?: (a: WebhookAttempt) => void;
  /** Checked before each record; false ends the pass (a worker shutting down). */
  keepGoing?: () => boolean;
}

/**
 * Delivers outbox records to their departments' webhooks, in posting order. Each record is
 * claimed by pushing its next-attempt time past a lease in one committed statement, sent with
 * no transaction open (PGlite runs one at a time), then marked delivered or failed. A record
 * is never sent again once its endpoint answered 2xx; a failed head record holds back the
 * records behind it until its backoff ends, so a department's ERP sees them in order and a
 * down endpoint gets one request per backoff step. A crash between the ERP's 2xx and the mark
 * resends the record after the lease with the same idempotency key, which is how the ERP
 * tells it has it already.
 */
export async function deliverWebhooks(db: Sql, opts: WebhookPassOptions): Promise<WebhookAttempt[]> {
  const attempts: WebhookAttempt[] = [];
  for (const department of DEPARTMENTS) {
    const url = opts.urls[department];
    if (!url) continue;
    for (let n = 0; n < (opts.limit ?? 50); n++) {
      if (opts.keepGoing && !opts.keepGoing()) return attempts;
      const [row] = await db.query<OutboxRow & { webhook_attempts: number }>(
        `UPDATE outbox SET webhook_next_at = now() + $2 * interval '1 millisecond'
          WHERE seq = (SELECT seq FROM outbox WHERE department = $1 AND webhook_delivered_at IS NULL
                        ORDER BY outbox.seq LIMIT 1 FOR UPDATE)
            AND (webhook_next_at IS NULL OR webhook_next_at <= now())
          RETURNING ${OUTBOX_COLUMNS}, webhook_attempts`,
        [department, opts.leaseMs],
      );
      if (!row) break;
      const result = await opts.send({
        url,
        body: JSON.stringify(row.record),
        idempotencyKey: row.idempotency_key,
        recordId: row.record_id,
      });
      const made = row.webhook_attempts + 1;
      const attempt: WebhookAttempt = {
        recordId: row.record_id,
        idempotencyKey: row.idempotency_key,
        documentId: row.document_id,
        department,
        attempts: made,
        ok: result.ok,
      };
      if (result.ok) {
        await db.query(
          `UPDATE outbox SET webhook_delivered_at = now(), webhook_attempts = $2, webhook_last_error = NULL,
                  webhook_next_at = NULL WHERE seq = $1`,
          [row.seq, made],
        );
      } else {
        const [next] = await db.query<{ at: Date }>(
          `UPDATE outbox SET webhook_attempts = $2, webhook_last_error = $3,
                  webhook_next_at = now() + $4 * interval '1 millisecond'
            WHERE seq = $1 RETURNING webhook_next_at AS at`,
          [row.seq, made, result.error, opts.backoffMs(made)],
        );
        attempt.error = result.error;
        if (next) attempt.retryAt = next.at.toISOString();
      }
      attempts.push(attempt);
      opts.onAttempt?.(attempt);
      if (!result.ok) break;
    }
  }
  return attempts;
}

/**
 * Starts a document over at a new revision: its pages are read again and it is decided again.
 * A posted document is not reprocessed: its record has gone to the ERP and records are final.
 */
export async function startReprocess(
  db: Database,
  documentId: string,
  actor: string,
): Promise<
  | { ok: true; revision: number }
  | { ok: false; reason: 'not-found' | 'posted' | 'processing' | 'unreadable' | 'split' | 'part' }
> {
  return db.transaction(async (tx) => {
    const [doc] = await tx.query<{
      status: DocumentStatus;
      revision: number;
      page_count: number | null;
      parent_id: string | null;
    }>('SELECT status, revision, page_count, parent_id FROM documents WHERE id = $1 FOR UPDATE', [
      documentId,
    ]);
    if (!doc) return { ok: false, reason: 'not-found' };
    // A part's pages are its file's: the file is regrouped (POST .../split), not a part re-read.
    if (doc.parent_id !== null) return { ok: false, reason: 'part' };
    if (doc.status === 'split' || doc.status === 'superseded') return { ok: false, reason: 'split' };
    if (doc.status === 'posted' || doc.status === 'processing') return { ok: false, reason: doc.status };
    // Refused at upload (empty, not a document): reading it again cannot give another answer.
    if (doc.page_count === null) return { ok: false, reason: 'unreadable' };
    const revision = doc.revision + 1;
    await tx.query(
      `UPDATE documents SET status = 'processing', revision = $2, failure = NULL, reasons = NULL, updated_at = now()
        WHERE id = $1`,
      [documentId, revision],
    );
    await tx.query(
      `UPDATE review_tasks SET status = 'done', updated_at = now() WHERE document_id = $1 AND status <> 'done'`,
      [documentId],
    );
    await addEvent(tx, { documentId, actor, type: 'reprocess', data: { from: doc.status, revision } });
    return { ok: true, revision };
  });
}

/** Documents that were accepted but whose processing may never have been queued (a crash). */
export async function documentsInProcessing(
  db: Sql,
): Promise<{ id: string; revision: number; pageCount: number }[]> {
  const rows = await db.query<{ id: string; revision: number; page_count: number }>(
    `SELECT id, revision, page_count FROM documents
      WHERE status = 'processing' AND page_count IS NOT NULL AND parent_id IS NULL`,
  );
  return rows.map((r) => ({ id: r.id, revision: r.revision, pageCount: r.page_count }));
}

export async function documentCounts(db: Sql): Promise<Record<DocumentStatus, number>> {
  const rows = await db.query<{ status: DocumentStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM documents GROUP BY status',
  );
  const counts = { processing: 0, posted: 0, review: 0, failed: 0, split: 0, superseded: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

export async function openReviewCount(db: Sql): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM review_tasks WHERE status <> 'done'`,
  );
  return row?.n ?? 0;
}

export interface PartsOptions {
  /** The file's document. */
  documentId: string;
  /** The file's revision whose pages were decided, or null for a reviewer's regrouping. */
  revision: number | null;
  /** decideDocuments' outcomes: several parts, each with `split`; or one, the file whole. */
  outcomes: DecidedOutcome[];
  reviewSlaHours: OutcomeOptions['reviewSlaHours'];
  actor: string;
}

/**
 * Stores what a multi-document file was decided as, in one transaction. Several parts: the file
 * becomes 'split', each part is a document row of its own (id from the file's, so the same split
 * finds the same rows), with the file's pages of its group copied so the review page, page
 * images and approval work on it as on any document, and decided like one; parts no longer in
 * the grouping are superseded and their tasks closed. One outcome without `split` (a reviewer
 * merged every page): the file is decided whole again and every part superseded. Returns false
 * when the file moved on (a retried job, a concurrent regrouping), changing nothing.
 */
export async function recordParts(db: Database, opts: PartsOptions): Promise<boolean> {
  return db.transaction(async (tx) => {
    const parts = opts.outcomes.map((o) => (o.kind === 'posted' ? o.record : o.item));
    const whole = parts.length === 1 && !parts[0]?.split;
    const groups: SplitGroups = {
      groups: parts.map((p) => p.split?.pages ?? []),
      by: parts[0]?.split?.by ?? 'reviewer',
    };
    // A worker's decision claims a file still processing at its revision; a reviewer's a file in review or split.
    const claimed = await tx.query<{ revision: number }>(
      opts.revision === null
        ? `UPDATE documents SET status = $2, split = $3, revision = revision + $4::int, reasons = NULL, updated_at = now()
            WHERE id = $1 AND status IN ('review', 'split') AND parent_id IS NULL RETURNING revision`
        : `UPDATE documents SET status = $2, split = $3, revision = revision + $4::int, updated_at = now()
            WHERE id = $1 AND revision = $5 AND status = 'processing' RETURNING revision`,
      [
        opts.documentId,
        whole ? 'processing' : 'split',
        whole ? null : json(groups),
        whole ? 1 : 0,
        ...(opts.revision === null ? [] : [opts.revision]),
      ],
    );
    const revision = claimed[0]?.revision;
    if (revision === undefined) return false;
    if (opts.revision === null) {
      // Records are final: a posted part has gone to the ERP and cannot be regrouped away.
      const posted = await tx.query('SELECT 1 FROM documents WHERE parent_id = $1 AND status = $2', [
        opts.documentId,
        'posted',
      ]);
      if (posted.length) throw new PostedPartError();
      await tx.query(
        `UPDATE review_tasks SET status = 'done', updated_at = now() WHERE document_id = $1 AND status <> 'done'`,
        [opts.documentId],
      );
    }
    const ids = whole ? [] : parts.map((p) => p.id);
    const gone = await tx.query<{ id: string }>(
      `UPDATE documents SET status = 'superseded', updated_at = now()
        WHERE parent_id = $1 AND NOT (id = ANY($2::text[])) AND status <> 'superseded' RETURNING id`,
      [opts.documentId, ids],
    );
    for (const g of gone) {
      await tx.query(
        `UPDATE review_tasks SET status = 'done', updated_at = now() WHERE document_id = $1 AND status <> 'done'`,
        [g.id],
      );
      await addEvent(tx, { documentId: g.id, actor: opts.actor, type: 'superseded', data: groups });
    }
    await addEvent(tx, {
      documentId: opts.documentId,
      actor: opts.actor,
      type: whole ? 'merged' : 'split',
      data: groups,
    });
    if (whole) {
      await tx.query('UPDATE pages SET revision = $2 WHERE document_id = $1', [opts.documentId, revision]);
      return recordOutcomeIn(tx, {
        documentId: opts.documentId,
        revision,
        outcome: opts.outcomes[0]!,
        reviewSlaHours: opts.reviewSlaHours,
      });
    }
    for (const [i, part] of parts.entries()) {
      const split = part.split!;
      const [row] = await tx.query<{ revision: number }>(
        `INSERT INTO documents (id, sha256, file_name, format, size_bytes, storage_key, status, page_count, parent_id, split)
         SELECT $2, sha256, file_name, format, size_bytes, storage_key, 'processing', $3, id, $4 FROM documents WHERE id = $1
         ON CONFLICT (id) DO UPDATE SET status = 'processing', revision = documents.revision + 1,
           page_count = excluded.page_count, split = excluded.split, reasons = NULL, failure = NULL, updated_at = now()
         RETURNING revision`,
        [opts.documentId, part.id, split.pages.length, json(split)],
      );
      const partRevision = row!.revision;
      await tx.query(
        `UPDATE review_tasks SET status = 'done', updated_at = now() WHERE document_id = $1 AND status <> 'done'`,
        [part.id],
      );
      await tx.query('DELETE FROM pages WHERE document_id = $1', [part.id]);
      await tx.query(
        `INSERT INTO pages (document_id, number, revision, read, image_key)
         SELECT $2, number, $3, read, image_key FROM pages
          WHERE document_id = $1 AND revision = $4 AND number = ANY($5::int[])`,
        [opts.documentId, part.id, partRevision, revision, split.pages],
      );
      await addEvent(tx, { documentId: part.id, actor: opts.actor, type: 'split-part', data: split });
      const ok = await recordOutcomeIn(tx, {
        documentId: part.id,
        revision: partRevision,
        outcome: opts.outcomes[i]!,
        reviewSlaHours: opts.reviewSlaHours,
      });
      if (!ok) throw new Error(`part ${part.id} could not be decided`);
    }
    return true;
  });
}

export class PostedPartError extends Error {
  override name = 'PostedPartError';
}

/** A split file's documents, in page order, superseded ones left out. */
export async function partsOf(db: Sql, documentId: string): Promise<DocumentRow[]> {
  const rows = await db.query(
    `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE parent_id = $1 AND status <> 'superseded'`,
    [documentId],
  );
  return rows
    .map(toDocument)
    .sort((a, b) => ((a.split as SplitInfo).pages[0] ?? 0) - ((b.split as SplitInfo).pages[0] ?? 0));
}
