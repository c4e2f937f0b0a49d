import { DEPARTMENT_OF, type Department, type DocType, type Evidence } from '../schemas/common.ts';
import { SCHEMA_VERSION } from '../schemas/documents.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { PostedRecord, ReviewReason } from '../schemas/record.ts';
import type { Thresholds } from '../schemas/thresholds.ts';
import type { Database, Sql } from './adapters/db.ts';
import { applyCorrections, type FieldChange } from './corrections.ts';
import { decideDocuments, fusedPages, type PipelineDeps, pageSummaries } from './process-document.ts';
import {
  addEvent,
  type DocumentRow,
  getDocument,
  getPages,
  idempotencyKeyOf,
  type OutcomeOptions,
  PostedPartError,
  partsOf,
  postRecord,
  recordParts,
} from './repository.ts';
import { route } from './route.ts';
import { checkGroups } from './split.ts';
import { validateFields } from './validate.ts';
import { learnFromCorrections } from './vendor-memory.ts';

/** Review tasks: the queue, leases, corrections, approval and rejection. All SQL of review. */

export type TaskStatus = 'open' | 'claimed' | 'done';

export interface TaskRow {
  taskId: string;
  documentId: string;
  revision: number;
  department: Department | null;
  docType: string;
  reasons: ReviewReason[];
  priority: number;
  dueAt: string;
  /** As a reviewer sees it: a claim whose lease ran out is open again. */
  status: TaskStatus;
  claimedBy: string | null;
  claimedByKey: string | null;
  leaseUntil: string | null;
  outcome: 'approved' | 'rejected' | null;
  fileName: string;
  createdAt: string;
  updatedAt: string;
}

// The lease is judged by the database clock, so API processes on several machines agree.
const EFFECTIVE_STATUS = `CASE WHEN t.status = 'claimed' AND t.lease_until < now() THEN 'open' ELSE t.status END`;
const LIVE_HOLDER = `CASE WHEN t.status = 'claimed' AND t.lease_until >= now() THEN t.claimed_by END`;
const TASK_SELECT = `SELECT t.id, t.document_id, t.revision, t.department, t.doc_type, t.reasons, t.priority, t.due_at,
    ${EFFECTIVE_STATUS} AS status, ${LIVE_HOLDER} AS claimed_by, k.name AS claimed_by_name,
    CASE WHEN t.status = 'claimed' AND t.lease_until >= now() THEN t.lease_until END AS lease_until,
    t.outcome, d.file_name, t.created_at, t.updated_at
  FROM review_tasks t JOIN documents d ON d.id = t.document_id
  LEFT JOIN api_keys k ON k.id = t.claimed_by AND t.status = 'claimed' AND t.lease_until >= now()`;

type RawTask = {
  id: string;
  document_id: string;
  revision: number;
  department: Department | null;
  doc_type: string;
  reasons: ReviewReason[];
  priority: number;
  due_at: Date;
  status: TaskStatus;
  claimed_by: string | null;
  claimed_by_name: string | null;
  lease_until: Date | null;
  outcome: TaskRow['outcome'];
  file_name: string;
  created_at: Date;
  updated_at: Date;
};

function toTask(r: RawTask): TaskRow {
  return {
    taskId: r.id,
    documentId: r.document_id,
    revision: r.revision,
    department: r.department,
    docType: r.doc_type,
    reasons: r.reasons,
    priority: r.priority,
    dueAt: r.due_at.toISOString(),
    status: r.status,
    claimedBy: r.claimed_by_name,
    claimedByKey: r.claimed_by,
    leaseUntil: r.lease_until?.toISOString() ?? null,
    outcome: r.outcome,
    fileName: r.file_name,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface TaskFilter {
  department?: Department | 'none' | undefined;
  docType?: string | undefined;
  reason?: string | undefined;
  status?: TaskStatus | undefined;
  limit?: number;
}

/** Tasks, most urgent first: open work before done, then priority, then the nearest due time. */
export async function listTasks(db: Sql, f: TaskFilter): Promise<TaskRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.department === 'none') where.push('t.department IS NULL');
  else if (f.department) add('t.department = ?', f.department);
  if (f.docType) add('t.doc_type = ?', f.docType);
  if (f.reason) add(`t.reasons @> ?::jsonb`, JSON.stringify([{ code: f.reason }]));
  if (f.status) add(`(${EFFECTIVE_STATUS}) = ?`, f.status);
  else where.push(`t.status <> 'done'`);
  params.push(f.limit ?? 200);
  const rows = await db.query<RawTask>(
    `${TASK_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY (t.status = 'done'), t.priority, t.due_at, t.id LIMIT $${params.length}`,
    params,
  );
  return rows.map(toTask);
}

export async function getTask(db: Sql, taskId: string): Promise<TaskRow | null> {
  const [r] = await db.query<RawTask>(`${TASK_SELECT} WHERE t.id = $1`, [taskId]);
  return r ? toTask(r) : null;
}

/** Why a task could not be acted on; each maps to one HTTP answer. */
export type Refusal =
  | { reason: 'not-found' }
  | { reason: 'done'; outcome: TaskRow['outcome'] }
  | { reason: 'claimed-by-other'; by: string | null; until: string | null }
  | { reason: 'not-claimed' }
  | { reason: 'unknown-type' }
  | { reason: 'invalid'; errors: Record<string, string> };

export interface Actor {
  /** The API key's id: who holds a lease. */
  keyId: string;
  /** The API key's name: what the audit trail shows. */
  name: string;
}

/** Locks the task row for this transaction and checks the actor holds its lease. */
async function heldTask(tx: Sql, taskId: string, actor: Actor): Promise<TaskRow | Refusal> {
  await tx.query('SELECT 1 FROM review_tasks WHERE id = $1 FOR UPDATE', [taskId]);
  const task = await getTask(tx, taskId);
  if (!task) return { reason: 'not-found' };
  if (task.status === 'done') return { reason: 'done', outcome: task.outcome };
  if (task.status === 'open') return { reason: 'not-claimed' };
  if (task.claimedByKey !== actor.keyId)
    return { reason: 'claimed-by-other', by: task.claimedBy, until: task.leaseUntil };
  return task;
}

const isRefusal = (x: TaskRow | Refusal): x is Refusal => 'reason' in x;

/**
 * Claims a task for `leaseMinutes`, or renews the actor's own claim. Another reviewer's live
 * claim is refused; an expired one is taken over.
 */
export async function claimTask(
  db: Database,
  opts: { taskId: string; actor: Actor; leaseMinutes: number },
): Promise<{ ok: true; task: TaskRow } | { ok: false; refusal: Refusal }> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ renewed: boolean }>(
      `UPDATE review_tasks t SET status = 'claimed', claimed_by = $2,
              lease_until = now() + make_interval(mins => $3::int), updated_at = now()
        WHERE id = $1 AND (status = 'open' OR (status = 'claimed' AND (claimed_by = $2 OR lease_until < now())))
        RETURNING (SELECT coalesce(claimed_by = $2 AND status = 'claimed', false) FROM review_tasks WHERE id = $1) AS renewed`,
      [opts.taskId, opts.actor.keyId, opts.leaseMinutes],
    );
    const task = await getTask(tx, opts.taskId);
    if (!task) return { ok: false, refusal: { reason: 'not-found' } };
    if (!rows.length) {
      if (task.status === 'done') return { ok: false, refusal: { reason: 'done', outcome: task.outcome } };
      return {
        ok: false,
        refusal: { reason: 'claimed-by-other', by: task.claimedBy, until: task.leaseUntil },
      };
    }
    await addEvent(tx, {
      documentId: task.documentId,
      actor: opts.actor.name,
      type: 'claimed',
      data: { taskId: task.taskId, leaseUntil: task.leaseUntil, renewed: rows[0]!.renewed },
    });
    return { ok: true, task };
  });
}

/** The document as the task's revision saw it, with its pages' reads. */
export async function taskDocument(
  db: Sql,
  task: TaskRow,
): Promise<{ doc: DocumentRow; read: ReadResult } | null> {
  const doc = await getDocument(db, task.documentId);
  if (!doc) return null;
  const pages = (await getPages(db, doc.id)).filter((p) => p.revision === doc.revision);
  return { doc, read: { pages: pages.map((p) => p.read) } };
}

/**
 * Why a document with these fields would still need a person; empty when it would post. The
 * read tells which pages the line reader fused, whose fields meet the fused thresholds.
 */
export function reviewReasonsFor(
  docType: DocType,
  classConfidence: number | null,
  fields: DocumentRow['fields'],
  thresholds: Thresholds,
  read: ReadResult,
) {
  const decision = route({
    docType,
    classConfidence: classConfidence ?? 1,
    fields,
    validation: validateFields(docType, fields),
    thresholds,
    fusedPages: fusedPages(read),
  });
  return decision.outcome === 'review' ? decision.reasons : [];
}

/** Applies a reviewer's corrections to the document if they pass the pipeline's checks. */
export async function correctFields(
  db: Database,
  opts: {
    taskId: string;
    actor: Actor;
    fields: Record<string, unknown>;
    evidence?: Record<string, Evidence> | undefined;
    thresholds: Thresholds;
  },
): Promise<{ ok: true; changes: Record<string, FieldChange> } | { ok: false; refusal: Refusal }> {
  return db.transaction(async (tx) => {
    const task = await heldTask(tx, opts.taskId, opts.actor);
    if (isRefusal(task)) return { ok: false, refusal: task };
    const loaded = await taskDocument(tx, task);
    const { doc, read } = loaded ?? {};
    if (!doc || !read || doc.docType === null || doc.docType === 'unknown') {
      return { ok: false, refusal: { reason: 'unknown-type' } };
    }
    const result = applyCorrections(doc.docType, doc.fields, opts.fields, opts.evidence);
    if (!result.ok) return { ok: false, refusal: { reason: 'invalid', errors: result.errors } };
    const reasons = reviewReasonsFor(doc.docType, doc.classConfidence, result.fields, opts.thresholds, read);
    await tx.query('UPDATE documents SET fields = $2, reasons = $3, updated_at = now() WHERE id = $1', [
      doc.id,
      JSON.stringify(result.fields),
      JSON.stringify(reasons),
    ]);
    if (Object.keys(result.changes).length) {
      await addEvent(tx, {
        documentId: doc.id,
        actor: opts.actor.name,
        type: 'corrected',
        data: { taskId: task.taskId, fields: result.changes },
      });
    }
    return { ok: true, changes: result.changes };
  });
}

/** The latest correction of each field made at this revision, from the audit trail. */
async function correctionsOf(tx: Sql, documentId: string, since: string) {
  const rows = await tx.query<{ data: { fields: Record<string, FieldChange> } }>(
    `SELECT data FROM events WHERE document_id = $1 AND type = 'corrected' AND at >= $2 ORDER BY id`,
    [documentId, since],
  );
  const latest = new Map<string, FieldChange>();
  for (const r of rows) for (const [name, c] of Object.entries(r.data.fields)) latest.set(name, c);
  return [...latest].map(([field, c]) => ({ field, value: c.after, evidence: c.evidence }));
}

/**
 * Approves a task: the document is posted through the outbox (once: the idempotency key is
 * the document revision), the task closes, and the vendor memory learns from the corrections
 * made on it. Rules still failing on fields the reviewer left alone are recorded as
 * acknowledged; a missing or malformed required field is refused.
 */
export async function approveTask(
  db: Database,
  opts: { taskId: string; actor: Actor },
): Promise<
  | { ok: true; task: TaskRow; recordId: string; idempotencyKey: string; learned: number }
  | { ok: false; refusal: Refusal }
> {
  return db.transaction(async (tx) => {
    const task = await heldTask(tx, opts.taskId, opts.actor);
    if (isRefusal(task)) return { ok: false, refusal: task };
    const loaded = await taskDocument(tx, task);
    if (!loaded || loaded.doc.docType === null || loaded.doc.docType === 'unknown') {
      return { ok: false, refusal: { reason: 'unknown-type' } };
    }
    const { doc, read } = loaded;
    const docType = doc.docType as DocType;
    const validation = validateFields(docType, doc.fields);
    const invalid = validation.filter((r) => r.code === 'invalid-field');
    if (invalid.length) {
      const errors: Record<string, string> = {};
      for (const r of invalid)
        for (const f of r.fields.length ? r.fields : ['document']) errors[f] ??= r.message;
      return { ok: false, refusal: { reason: 'invalid', errors } };
    }
    const department = DEPARTMENT_OF[docType];
    const record: PostedRecord = {
      id: doc.id,
      sourceFile: doc.fileName,
      sha256: doc.sha256,
      docType,
      department,
      classConfidence: doc.classConfidence ?? 1,
      fields: doc.fields,
      pages: pageSummaries(read),
      schemaVersion: SCHEMA_VERSION,
      processedAt: new Date().toISOString(),
      ...(doc.split && 'part' in doc.split ? { split: doc.split } : {}),
    };
    await postRecord(tx, { documentId: doc.id, revision: doc.revision, record });
    const [posted] = await tx.query<{ record_id: string }>(
      'SELECT record_id FROM outbox WHERE idempotency_key = $1',
      [idempotencyKeyOf(doc.id, doc.revision)],
    );
    await tx.query(
      `UPDATE documents SET status = 'posted', department = $2, reasons = '[]', updated_at = now() WHERE id = $1`,
      [doc.id, department],
    );
    await tx.query(
      `UPDATE review_tasks SET status = 'done', outcome = 'approved', done_at = now(), lease_until = NULL,
              updated_at = now() WHERE id = $1`,
      [task.taskId],
    );
    const corrections = await correctionsOf(tx, doc.id, task.createdAt);
    await addEvent(tx, {
      documentId: doc.id,
      actor: opts.actor.name,
      type: 'approved',
      data: {
        taskId: task.taskId,
        department,
        docType,
        recordId: posted!.record_id,
        idempotencyKey: idempotencyKeyOf(doc.id, doc.revision),
        corrected: corrections.map((c) => c.field),
        acknowledged: validation.filter((r) => r.code !== 'invalid-field').map((r) => r.message),
      },
    });
    const learned = await learnFromCorrections(tx, {
      docType,
      documentId: doc.id,
      read,
      fields: doc.fields,
      corrections,
      actor: opts.actor.name,
    });
    if (learned) {
      await addEvent(tx, {
        documentId: doc.id,
        actor: opts.actor.name,
        type: 'memory-learned',
        data: {
          vendorId: learned.vendor.id,
          vendor: learned.vendor.name,
          entries: learned.entries.map((e) => ({
            entryId: e.entryId,
            field: e.field,
            kind: e.kind,
            data: e.data,
          })),
        },
      });
    }
    const done = (await getTask(tx, task.taskId))!;
    return {
      ok: true,
      task: done,
      recordId: posted!.record_id,
      idempotencyKey: idempotencyKeyOf(doc.id, doc.revision),
      learned: learned?.entries.length ?? 0,
    };
  });
}

export interface Reroute {
  docType: DocType;
  fields: DocumentRow['fields'];
  reasons: ReviewReason[];
}

/**
 * Rejects a task. Without a new type the document fails with the reviewer's reason; with one
 * (`reroute`, fields extracted as that type) the same task reopens for that type's department,
 * due by its SLA. A department alone moves an unknown document to that department's queue.
 */
export async function rejectTask(
  db: Database,
  opts: {
    taskId: string;
    actor: Actor;
    reason: string;
    department?: Department | undefined;
    reroute?: ((read: ReadResult) => Promise<Reroute>) | undefined;
    slaHours: (department: Department | null) => number;
  },
): Promise<{ ok: true; task: TaskRow } | { ok: false; refusal: Refusal }> {
  // Extracting again may read the vendor memory through the pool: done before the transaction,
  // since PGlite's one connection would wait on it.
  let to: Reroute | null = null;
  if (opts.reroute) {
    const pre = await getTask(db, opts.taskId);
    const loaded = pre ? await taskDocument(db, pre) : null;
    if (loaded) to = await opts.reroute(loaded.read);
  }
  return db.transaction(async (tx) => {
    const task = await heldTask(tx, opts.taskId, opts.actor);
    if (isRefusal(task)) return { ok: false, refusal: task };
    const { doc } = (await taskDocument(tx, task))!;
    if (to || opts.department) {
      const department = to ? DEPARTMENT_OF[to.docType] : opts.department!;
      const docType = to?.docType ?? task.docType;
      // A re-typed document that passes every check still waits for a person: nobody has looked yet.
      const reasons: ReviewReason[] = !to
        ? task.reasons
        : to.reasons.length
          ? to.reasons
          : [
              {
                code: 'low-class-confidence',
                fields: [],
                message: `Re-routed as ${to.docType} by a reviewer (${opts.reason}); check the fields.`,
              },
            ];
      if (to) {
        await tx.query(
          `UPDATE documents SET doc_type = $2, department = $3, fields = $4, reasons = $5, updated_at = now() WHERE id = $1`,
          [doc.id, to.docType, department, JSON.stringify(to.fields), JSON.stringify(reasons)],
        );
      }
      const due = new Date(Date.now() + opts.slaHours(department) * 3_600_000);
      await tx.query(
        `UPDATE review_tasks SET status = 'open', claimed_by = NULL, lease_until = NULL, department = $2,
                doc_type = $3, reasons = $4, due_at = $5, updated_at = now() WHERE id = $1`,
        [task.taskId, department, docType, JSON.stringify(reasons), due],
      );
      await addEvent(tx, {
        documentId: doc.id,
        actor: opts.actor.name,
        type: 'rejected',
        data: {
          taskId: task.taskId,
          reason: opts.reason,
          reroute: {
            from: { docType: task.docType, department: task.department },
            to: { docType, department },
          },
        },
      });
    } else {
      const failure = { code: 'rejected', message: opts.reason };
      await tx.query(
        `UPDATE documents SET status = 'failed', failure = $2, updated_at = now() WHERE id = $1`,
        [doc.id, JSON.stringify(failure)],
      );
      await tx.query(
        `UPDATE review_tasks SET status = 'done', outcome = 'rejected', done_at = now(), lease_until = NULL,
                updated_at = now() WHERE id = $1`,
        [task.taskId],
      );
      await addEvent(tx, {
        documentId: doc.id,
        actor: opts.actor.name,
        type: 'rejected',
        data: { taskId: task.taskId, reason: opts.reason },
      });
    }
    return { ok: true, task: (await getTask(tx, task.taskId))! };
  });
}

export type RegroupRefusal =
  | { reason: 'not-found' }
  | { reason: 'state'; status: DocumentRow['status'] }
  | { reason: 'part-posted' }
  | { reason: 'invalid'; message: string };

/**
 * A reviewer's page groups for a file (1-based page numbers, every page once): its documents
 * are decided again from the pages already read, replacing the parts it had; one group makes
 * it one document again. `documentId` may be the file's or any of its parts'. Refused while the
 * file is being read or once it (or one of its parts) is posted: records are final.
 */
export async function regroupDocument(
  db: Database,
  opts: {
    documentId: string;
    groups: number[][];
    actor: Actor;
    deps: Omit<PipelineDeps, 'read'>;
    reviewSlaHours: OutcomeOptions['reviewSlaHours'];
  },
): Promise<{ ok: true; fileId: string; parts: DocumentRow[] } | { ok: false; refusal: RegroupRefusal }> {
  const asked = await getDocument(db, opts.documentId);
  const file = asked?.parentId ? await getDocument(db, asked.parentId) : asked;
  if (!file) return { ok: false, refusal: { reason: 'not-found' } };
  if (file.status !== 'review' && file.status !== 'split')
    return { ok: false, refusal: { reason: 'state', status: file.status } };
  if ((await partsOf(db, file.id)).some((p) => p.status === 'posted'))
    return { ok: false, refusal: { reason: 'part-posted' } };
  const pages = (await getPages(db, file.id)).filter((p) => p.revision === file.revision);
  const problem = checkGroups(opts.groups, pages.length);
  if (problem) return { ok: false, refusal: { reason: 'invalid', message: problem } };
  const outcomes = await decideDocuments(file, { pages: pages.map((p) => p.read) }, opts.deps, opts.groups);
  try {
    const stored = await recordParts(db, {
      documentId: file.id,
      revision: null,
      outcomes,
      reviewSlaHours: opts.reviewSlaHours,
      actor: opts.actor.name,
    });
    if (!stored) {
      const now = await getDocument(db, file.id);
      return { ok: false, refusal: { reason: 'state', status: now?.status ?? file.status } };
    }
  } catch (e) {
    if (e instanceof PostedPartError) return { ok: false, refusal: { reason: 'part-posted' } };
    throw e;
  }
  return { ok: true, fileId: file.id, parts: await partsOf(db, file.id) };
}
