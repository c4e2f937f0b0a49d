import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { analyse } from '../../extractors/context.ts';
import { findApiKey } from '../../pipeline/api-keys.ts';
import {
  type Actor,
  approveTask,
  claimTask,
  correctFields,
  getTask,
  listTasks,
  type Refusal,
  regroupDocument,
  rejectTask,
  reviewReasonsFor,
  type TaskRow,
  taskDocument,
} from '../../pipeline/review.ts';
import { type Service, serviceDecideDeps } from '../../pipeline/service.ts';
import {
  fieldKind,
  findVendor,
  getVendor,
  identify,
  listVendors,
  memoryOf,
  revertEntry,
} from '../../pipeline/vendor-memory.ts';
import { DocumentViewSchema, ErrorSchema, IdParamsSchema, SplitBodySchema } from '../../schemas/api.ts';
import type { DocType } from '../../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../../schemas/documents.ts';
import { reviewSlaHoursOf } from '../../schemas/env.ts';
import {
  ApproveResponseSchema,
  CorrectionBodySchema,
  FieldErrorsSchema,
  MemoryEntryParamsSchema,
  RejectBodySchema,
  TaskSummarySchema,
  TasksQuerySchema,
  TasksResponseSchema,
  TaskViewSchema,
  VendorMemorySchema,
  VendorsResponseSchema,
} from '../../schemas/review.ts';
import { HttpError } from '../http-error.ts';
import { documentView } from './documents.ts';

const summary = (t: TaskRow) => ({
  taskId: t.taskId,
  documentId: t.documentId,
  department: t.department,
  docType: t.docType,
  reasons: t.reasons,
  priority: t.priority,
  dueAt: t.dueAt,
  status: t.status,
  ...(t.claimedBy ? { claimedBy: t.claimedBy } : {}),
  ...(t.leaseUntil ? { leaseUntil: t.leaseUntil } : {}),
  ...(t.outcome ? { outcome: t.outcome } : {}),
  fileName: t.fileName,
  createdAt: t.createdAt,
});

const actorOf = (req: FastifyRequest): Actor => ({ keyId: req.apiKey!.id, name: req.apiKey!.name });

/** One HTTP answer per reason a task action is refused. */
function refused(r: Refusal, taskId: string): HttpError {
  switch (r.reason) {
    case 'not-found':
      return new HttpError(404, 'not-found', `No review task ${taskId}.`);
    case 'done':
      return new HttpError(409, 'task-done', `Task ${taskId} is already done (${r.outcome ?? 'closed'}).`);
    case 'claimed-by-other':
      return new HttpError(
        409,
        'task-claimed',
        `Task ${taskId} is claimed by ${r.by ?? 'another reviewer'} until ${r.until ?? 'their lease ends'}.`,
      );
    case 'not-claimed':
      return new HttpError(409, 'task-not-claimed', `Claim task ${taskId} first (POST .../claim).`);
    case 'unknown-type':
      return new HttpError(
        409,
        'unknown-type',
        'The document has no known type: reject it with a docType to re-route it, or without one to close it.',
      );
    case 'invalid':
      return new HttpError(
        422,
        'invalid-fields',
        `Refused: ${Object.entries(r.errors)
          .map(([k, v]) => `${k}: ${v}`)
          .join(' ')}`,
        { fields: r.errors },
      );
  }
}

const REVIEW = { roles: ['reviewer' as const] };

export function reviewRoutes(svc: Service) {
  let deps: ReturnType<typeof serviceDecideDeps> | null = null;
  // Built on first use: a service that never reviews never loads classifiers here.
  const decideDeps = () => {
    deps ??= serviceDecideDeps(svc);
    return deps;
  };
  // Read once with the deps, not from disk on every correction.
  const thresholds = async () => (await decideDeps()).thresholds;

  return async (base: FastifyInstance) => {
    const app = base.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/v1/review/tasks',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary: 'The review queue, most urgent first',
          querystring: TasksQuerySchema,
          response: { 200: TasksResponseSchema, 401: ErrorSchema, 403: ErrorSchema },
        },
      },
      async (req) => ({ tasks: (await listTasks(svc.db, req.query)).map(summary) }),
    );

    app.get(
      '/v1/review/tasks/:id',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary: 'A task: the document, its pages with every word, and each field with why it was flagged',
          params: IdParamsSchema,
          response: { 200: TaskViewSchema, 404: ErrorSchema },
        },
      },
      async (req) => {
        const task = await getTask(svc.db, req.params.id);
        if (!task) throw refused({ reason: 'not-found' }, req.params.id);
        const loaded = await taskDocument(svc.db, task);
        if (!loaded) throw refused({ reason: 'not-found' }, req.params.id);
        const { doc, read } = loaded;
        const document = await documentView(svc, doc.id);
        const known = doc.docType && doc.docType !== 'unknown' ? (doc.docType as DocType) : null;
        const shape = known
          ? (DOCUMENT_SCHEMAS[known].shape as Record<
              string,
              { description?: string; safeParse(v: unknown): { success: boolean } }
            >)
          : {};
        const fields = Object.entries(shape).map(([name, schema]) => {
          const f = doc.fields[name];
          const required = !schema.safeParse(undefined).success;
          const reasons = doc.reasons.filter((r) => r.fields.includes(name)).map((r) => r.message);
          return {
            name,
            kind: fieldKind(known!, name) ?? 'text',
            required,
            ...(schema.description ? { description: schema.description } : {}),
            value: f?.value ?? null,
            confidence: f?.confidence ?? null,
            evidence: f?.evidence ?? [],
            flags: f?.flags ?? [],
            flagged: reasons.length > 0 || (required && !f),
            reasons,
          };
        });
        const ctx = analyse(read);
        const vendor = known ? await findVendor(svc.db, known, identify(known, read, doc.fields)) : null;
        return {
          task: summary(task),
          document,
          pages: document.pages.map((p) => ({
            number: p.number,
            imageUrl: p.imageUrl,
            width: p.width,
            height: p.height,
            words: (read.pages.find((r) => r.number === p.number)?.lines ?? []).flatMap((l) =>
              l.words.map((w) => ({ text: w.text, box: w.box })),
            ),
          })),
          fields,
          vendorId: vendor?.id ?? null,
          hints: { dateOrder: ctx.order.order, decimal: ctx.amounts.decimal ?? null },
        };
      },
    );

    app.post(
      '/v1/review/tasks/:id/claim',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary: 'Claim a task (a lease), or renew your own claim; 409 when another reviewer holds it',
          params: IdParamsSchema,
          response: { 200: TaskSummarySchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (req) => {
        const r = await claimTask(svc.db, {
          taskId: req.params.id,
          actor: actorOf(req),
          leaseMinutes: svc.config.review.leaseMinutes,
        });
        if (!r.ok) throw refused(r.refusal, req.params.id);
        return summary(r.task);
      },
    );

    app.patch(
      '/v1/review/tasks/:id/fields',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary:
            "Correct fields; checked by the document type's schema and the pipeline's cross-field rules",
          description:
            'Answers 422 with `details.fields` naming each refused field and why; nothing is changed then. ' +
            'Corrected fields get confidence 1 and, when given, the evidence the reviewer picked.',
          params: IdParamsSchema,
          body: CorrectionBodySchema,
          response: { 200: DocumentViewSchema, 404: ErrorSchema, 409: ErrorSchema, 422: FieldErrorsSchema },
        },
      },
      async (req) => {
        const r = await correctFields(svc.db, {
          taskId: req.params.id,
          actor: actorOf(req),
          fields: req.body.fields,
          evidence: req.body.evidence,
          thresholds: await thresholds(),
        });
        if (!r.ok) throw refused(r.refusal, req.params.id);
        const task = await getTask(svc.db, req.params.id);
        return documentView(svc, task!.documentId);
      },
    );

    app.post(
      '/v1/review/tasks/:id/approve',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary: 'Approve: post the record through the outbox, exactly once; 409 when already done',
          params: IdParamsSchema,
          response: {
            200: ApproveResponseSchema,
            404: ErrorSchema,
            409: ErrorSchema,
            422: FieldErrorsSchema,
          },
        },
      },
      async (req) => {
        const r = await approveTask(svc.db, { taskId: req.params.id, actor: actorOf(req) });
        if (!r.ok) throw refused(r.refusal, req.params.id);
        return {
          task: summary(r.task),
          recordId: r.recordId,
          idempotencyKey: r.idempotencyKey,
          learned: r.learned,
        };
      },
    );

    app.post(
      '/v1/documents/:id/split',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary: "Regroup a file's pages into documents: move a boundary, split, or merge (one group)",
          description:
            'The id may be the file or any of its parts. The parts are decided again from the pages already ' +
            'read and replace the old ones (whose tasks close); one group makes the file one document again. ' +
            '422 when the groups do not hold every page once; 409 while the file is processing, once it or a ' +
            'part is posted, or when it failed.',
          params: IdParamsSchema,
          body: SplitBodySchema,
          response: { 200: DocumentViewSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
        },
      },
      async (req) => {
        const r = await regroupDocument(svc.db, {
          documentId: req.params.id,
          groups: req.body.groups,
          actor: actorOf(req),
          deps: await decideDeps(),
          reviewSlaHours: reviewSlaHoursOf(svc.config),
        });
        if (!r.ok) {
          const x = r.refusal;
          if (x.reason === 'not-found')
            throw new HttpError(404, 'not-found', `No document ${req.params.id}.`);
          if (x.reason === 'invalid') throw new HttpError(422, 'invalid-groups', `Refused: ${x.message}.`);
          if (x.reason === 'part-posted')
            throw new HttpError(
              409,
              'part-posted',
              'A document of this file is posted; its record has gone to the ERP and is final.',
            );
          throw new HttpError(
            409,
            `document-${x.status}`,
            `The file is ${x.status}; only a file in review or split can be regrouped.`,
          );
        }
        return documentView(svc, r.fileId);
      },
    );

    app.post(
      '/v1/review/tasks/:id/reject',
      {
        config: REVIEW,
        schema: {
          tags: ['review'],
          summary: 'Reject with a reason; with a docType (or department) re-route it instead of closing it',
          params: IdParamsSchema,
          body: RejectBodySchema,
          response: { 200: TaskSummarySchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (req) => {
        const { reason, docType, department } = req.body;
        const limits = await thresholds();
        const r = await rejectTask(svc.db, {
          taskId: req.params.id,
          actor: actorOf(req),
          reason,
          department,
          slaHours: reviewSlaHoursOf(svc.config),
          reroute: docType
            ? async (read) => {
                const fields = await (await decideDeps()).extract(docType, read);
                return { docType, fields, reasons: reviewReasonsFor(docType, 1, fields, limits, read) };
              }
            : undefined,
        });
        if (!r.ok) throw refused(r.refusal, req.params.id);
        return summary(r.task);
      },
    );

    app.get(
      '/v1/vendors',
      {
        config: REVIEW,
        schema: {
          tags: ['vendors'],
          summary: 'Vendors the review memory knows, with their live entry counts',
          response: { 200: VendorsResponseSchema },
        },
      },
      async () => ({
        vendors: (await listVendors(svc.db)).map((v) => ({
          vendorId: v.id,
          docType: v.docType,
          name: v.name,
          taxId: v.taxId,
          entries: v.entries,
        })),
      }),
    );

    app.get(
      '/v1/vendors/:id/memory',
      {
        config: REVIEW,
        schema: {
          tags: ['vendors'],
          summary: "What approved corrections taught about a vendor's documents",
          params: IdParamsSchema,
          response: { 200: VendorMemorySchema, 404: ErrorSchema },
        },
      },
      async (req) => {
        const v = await getVendor(svc.db, req.params.id);
        if (!v) throw new HttpError(404, 'not-found', `No vendor ${req.params.id}.`);
        const entries = await memoryOf(svc.db, v.id);
        return {
          vendor: { vendorId: v.id, docType: v.docType, name: v.name, taxId: v.taxId },
          entries: entries.map(({ vendorId: _, ...e }) => e),
        };
      },
    );

    app.delete(
      '/v1/vendors/:id/memory/:entryId',
      {
        config: REVIEW,
        schema: {
          tags: ['vendors'],
          summary:
            'Revert one learned entry: it stays listed, is no longer applied, and the revert is audited',
          params: MemoryEntryParamsSchema,
          response: { 200: VendorMemorySchema, 404: ErrorSchema },
        },
      },
      async (req) => {
        const { id, entryId } = req.params;
        const actor = req.apiKey!.name;
        const entry = await svc.db.transaction(async (tx) => {
          const e = await revertEntry(tx, { vendorId: id, entryId, actor });
          if (e) {
            await tx.query('INSERT INTO events (document_id, actor, type, data) VALUES ($1, $2, $3, $4)', [
              e.documentId,
              actor,
              'memory-reverted',
              JSON.stringify({ vendorId: id, entryId, field: e.field, kind: e.kind, data: e.data }),
            ]);
          }
          return e;
        });
        if (!entry) throw new HttpError(404, 'not-found', `No live memory entry ${entryId} of vendor ${id}.`);
        const v = (await getVendor(svc.db, id))!;
        return {
          vendor: { vendorId: v.id, docType: v.docType, name: v.name, taxId: v.taxId },
          entries: (await memoryOf(svc.db, id)).map(({ vendorId: _, ...e }) => e),
        };
      },
    );

    // The review page keeps its key in an HttpOnly cookie, so page scripts never hold it and
    // <img> page URLs authenticate too. SameSite=Strict keeps other sites from riding on it.
    app.post(
      '/v1/review/session',
      {
        config: { public: true },
        schema: {
          tags: ['review'],
          summary: "Log the review page in: checks a reviewer key and keeps it in the page's cookie",
          body: z.object({ key: z.string().min(1).max(300).describe('a reviewer (or admin) API key') }),
          response: {
            200: z.object({ name: z.string(), role: z.string() }),
            401: ErrorSchema,
            403: ErrorSchema,
          },
        },
      },
      async (req, reply) => {
        const info = await findApiKey(svc.db, req.body.key);
        if (!info) throw new HttpError(401, 'unauthorized', 'The API key is unknown or has been revoked.');
        if (info.role !== 'reviewer' && info.role !== 'admin') {
          throw new HttpError(
            403,
            'forbidden',
            `The review page needs a reviewer key; this key is ${info.role}.`,
          );
        }
        const secure = req.protocol === 'https' ? '; Secure' : '';
        return reply
          .header(
            'set-cookie',
            `paperline_key=${encodeURIComponent(req.body.key)}; Path=/; HttpOnly; SameSite=Strict${secure}`,
          )
          .send({ name: info.name, role: info.role });
      },
    );

    app.delete(
      '/v1/review/session',
      { config: { public: true }, schema: { tags: ['review'], summary: 'Log the review page out' } },
      async (_req, reply) =>
        reply
          .header('set-cookie', 'paperline_key=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0')
          .send({ ok: true }),
    );
  };
}
